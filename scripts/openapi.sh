#!/usr/bin/env bash
# Writes docs/openapi.json from a freshly started server (temporary SQLite
# database), so the snapshot is exactly what GET /api/openapi.json serves.
#
#   bash scripts/openapi.sh            (or: just docs-openapi)
#   OPENAPI_PROFILE=dev bash scripts/openapi.sh   (from the dev build)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# a free port (nothing accepts connections on it), unless one is given
free_port() {
    local p
    for p in $(seq 18300 18399); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
PORT="${OPENAPI_PORT:-$(free_port)}"
BASE="http://127.0.0.1:${PORT}"
OUT="docs/openapi.json"

# OPENAPI_PROFILE=dev uses the dev build (the document is the same) and saves
# a release build where one is not wanted.
if [ "${OPENAPI_PROFILE:-release}" = dev ]; then
    cargo build -q -p workspace-server
    BIN="${CARGO_TARGET_DIR:-target}/debug/workspace-server"
else
    cargo build --release -q -p workspace-server
    BIN="${CARGO_TARGET_DIR:-target}/release/workspace-server"
fi

if curl -s -o /dev/null "$BASE/health"; then
    echo "openapi: something already answers on port $PORT; set OPENAPI_PORT" >&2
    exit 1
fi

WORK="$(mktemp -d -t openapi.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

env HOST=127.0.0.1 PORT="$PORT" DATABASE_URL= DB_PATH="$WORK/openapi.db" \
    JWT_SECRET_KEY="openapi-only-secret-not-for-production-0123" RUST_LOG=warn \
    GLOBAL_TRAIN_INTERVAL_SECONDS=0 "$BIN" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$BASE/health" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done

curl -sf "$BASE/api/openapi.json" -o "$WORK/openapi.json"
if command -v jq >/dev/null 2>&1; then
    jq --indent 2 . "$WORK/openapi.json" >"$OUT"
else
    cp "$WORK/openapi.json" "$OUT"
    echo >>"$OUT"
fi
echo "openapi: wrote $OUT ($(wc -c <"$OUT") bytes)"
