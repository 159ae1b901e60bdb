#!/usr/bin/env bash
# Load benchmark of the behavioural websocket: starts the release server on a
# fresh SQLite file (or on PostgreSQL with BENCH_DATABASE_URL=postgres://…),
# connects N monitored sessions that each send one typed sentence per second,
# and prints packet→risk latency (p50/p90/p99) and the CPU of the server and
# of the load generator during the sending phase (100 % = one core).
#   scripts/bench-ws.sh [SESSIONS] [SECONDS]      (or: just bench-ws 5000 30)
# BENCH_PORT picks the port (default: a free one from 18500). The load
# generator runs on the same machine and competes for its CPUs: its own share
# is printed beside the server's.
set -euo pipefail
cd "$(dirname "$0")/.."
SESSIONS="${1:-1000}"
RUN_SECONDS="${2:-30}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

die() {
    echo "bench-ws: $*" >&2
    exit 1
}
[[ "$SESSIONS" =~ ^[1-9][0-9]*$ ]] || die "SESSIONS must be a positive integer"
[[ "$RUN_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer"

# One descriptor per session in the client and one in the server (same
# limit, inherited), plus the pool, the log and the runtime's own.
NEED_FDS=$((SESSIONS + 1024))
HARD_FDS="$(ulimit -Hn)"
if [ "$HARD_FDS" != unlimited ] && [ "$HARD_FDS" -lt "$NEED_FDS" ]; then
    die "$SESSIONS sessions need ~$NEED_FDS file descriptors, the hard limit is $HARD_FDS (raise it: ulimit -Hn, /etc/security/limits.conf or LimitNOFILE=)"
fi
if [ "$HARD_FDS" = unlimited ] || [ "$HARD_FDS" -ge 65536 ]; then
    ulimit -n 65536
else
    ulimit -n "$HARD_FDS"
fi

free_port() {
    local p
    for p in $(seq 18500 18599); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
PORT="${BENCH_PORT:-$(free_port)}"

cargo build --release -q -p workspace-server --bin workspace-server --example ws_load
TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
env HOST=127.0.0.1 PORT="$PORT" DB_PATH="$TMP/bench.db" DATABASE_URL="${BENCH_DATABASE_URL:-}" \
    JWT_SECRET_KEY=bench-secret-bench-secret-bench-secret BCRYPT_COST=4 \
    GLOBAL_TRAIN_INTERVAL_SECONDS=0 DB_POOL_SIZE=16 RUST_LOG=warn \
    "$TARGET_DIR/release/workspace-server" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "the server exited at start-up"; }
    sleep 0.1
done
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench-ws: $SESSIONS sessions for $RUN_SECONDS s, $(nproc) CPUs shared with the load generator," \
    "fd limit $(ulimit -n), load before: $LOAD_BEFORE" >&2
"$TARGET_DIR/release/examples/ws_load" --url "http://127.0.0.1:$PORT" --sessions "$SESSIONS" \
    --seconds "$RUN_SECONDS" --server-pid "$SERVER_PID"
echo "bench-ws: load after: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" >&2
if grep -qi -e panic -e error "$TMP/server.log"; then
    echo "bench-ws: the server logged errors:" >&2
    grep -i -e panic -e error "$TMP/server.log" | head -n 5 >&2
fi
