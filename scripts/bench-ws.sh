#!/usr/bin/env bash
# Load benchmark of the behavioural websocket: starts the release server on a
# fresh SQLite file (or on PostgreSQL with BENCH_DATABASE_URL=postgres://…),
# connects N monitored sessions that each send one typed sentence per second,
# and prints packet→risk latency (p50/p90/p99) and the CPU of the server and
# of the load generator during the sending phase (100 % = one core).
#   scripts/bench-ws.sh [SESSIONS] [SECONDS]      (or: just bench-ws 5000 30)
# BENCH_PORT is the first port tried (18500). The load
# generator runs on the same machine and competes for its CPUs: its own share
# is printed beside the server's.
set -euo pipefail
cd "$(dirname "$0")/.."
SESSIONS="${1:-1000}"
RUN_SECONDS="${2:-30}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

NAME=bench-ws
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
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

NEXT_PORT="${BENCH_PORT:-18500}"

if [ -n "${BENCH_BIN_DIR:-}" ]; then # prebuilt workspace-server and ws_load (before/after runs)
    BIN="$BENCH_BIN_DIR/workspace-server"
    LOAD="$BENCH_BIN_DIR/ws_load"
else
    cargo build --release -q -p workspace-server --bin workspace-server --example ws_load
    BIN="$TARGET_DIR/release/workspace-server"
    LOAD="$TARGET_DIR/release/examples/ws_load"
fi
WORK="$(mktemp -d -t bench-ws.XXXXXX)"
PIDS=()
cleanup() {
    stop_all
    rm -rf "$WORK"
}
trap cleanup EXIT
BACKEND=sqlite
[ -n "${BENCH_DATABASE_URL:-}" ] && BACKEND=postgres
start_server "$BACKEND" DB_PATH="$WORK/bench.db" DATABASE_URL="${BENCH_DATABASE_URL:-}" \
    DB_POOL_SIZE=16 >&2
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench-ws: $SESSIONS sessions for $RUN_SECONDS s, $(nproc) CPUs shared with the load generator," \
    "fd limit $(ulimit -n), load before: $LOAD_BEFORE" >&2
"$LOAD" --url "http://127.0.0.1:$PORT" --sessions "$SESSIONS" \
    --seconds "$RUN_SECONDS" --server-pid "$SERVER_PID"
echo "bench-ws: load after: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" >&2
if grep -qi -e panic -e error "$WORK/server-$BACKEND.log"; then
    echo "bench-ws: the server logged errors:" >&2
    grep -i -e panic -e error "$WORK/server-$BACKEND.log" | sed -n 1,5p >&2
fi
