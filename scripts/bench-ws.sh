#!/usr/bin/env bash
# Load benchmark of the behavioural websocket: starts the release server on a
# fresh SQLite file (or on PostgreSQL with BENCH_DATABASE_URL=postgres://…),
# connects N monitored sessions that each send one typed sentence per second,
# and prints packet→risk latency (p50/p90/p99) and the server's CPU use
# during the sending phase (100 % = one core).
#   scripts/bench-ws.sh [SESSIONS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SESSIONS="${1:-1000}"
RUN_SECONDS="${2:-30}"
PORT="${BENCH_PORT:-5077}"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release -p workspace-server --bin workspace-server --example ws_load
TMP="$(mktemp -d)"
trap 'kill "${SERVER_PID:-0}" 2>/dev/null || true; rm -rf "$TMP"' EXIT
env HOST=127.0.0.1 PORT="$PORT" DB_PATH="$TMP/bench.db" DATABASE_URL="${BENCH_DATABASE_URL:-}" \
    JWT_SECRET_KEY=bench-secret-bench-secret-bench-secret BCRYPT_COST=4 \
    GLOBAL_TRAIN_INTERVAL_SECONDS=0 DB_POOL_SIZE=16 RUST_LOG=warn \
    target/release/workspace-server >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.1
done
target/release/examples/ws_load --url "http://127.0.0.1:$PORT" --sessions "$SESSIONS" \
    --seconds "$RUN_SECONDS" --server-pid "$SERVER_PID"
