#!/usr/bin/env bash
# Checks the served OpenAPI document against the running server, on a fresh
# SQLite file and on a fresh PostgreSQL database:
#   1. openapi-spec-validator on GET /api/openapi.json (an invalid document fails);
#   2. a bounded schemathesis run with all checks, signed in as an admin
#      (any 5xx, any response that breaks the document, fails).
# Both tools come from PyPI into a venv (API_CHECK_VENV, default
# target/api-check-venv). The server is the dev build.
#
#     bash scripts/api-check.sh                # both backends
#     API_CHECK_BACKENDS=sqlite bash scripts/api-check.sh
#
# Settings: API_CHECK_POSTGRES_URL (default TEST_POSTGRES_URL, else
# postgres://postgres@127.0.0.1:5432/postgres; a user that may create
# databases), API_CHECK_MAX_EXAMPLES (25 per operation), API_CHECK_MAX_TIME
# (180 s per backend), API_CHECK_SEED (a fixed seed, so runs repeat),
# API_CHECK_OUT (report folder, default target/api-check), API_CHECK_CHECKS
# (schemathesis checks, default all).
#
# What the run leaves out, on purpose: strings with NUL (the server refuses
# NUL in any text with 422, api.md "Requests the server refuses", and that
# refusal is tested in crates/server/tests/requests.rs) and strings that are
# not UTF-8 (same); and the three operations that end the run's own token —
# POST /api/logout, POST /api/account/password, DELETE /api/account — which
# crates/server/tests/account.rs covers. Everything else is generated.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="${API_CHECK_VENV:-target/api-check-venv}"
OUT="${API_CHECK_OUT:-target/api-check}"
BACKENDS="${API_CHECK_BACKENDS:-sqlite postgres}"
PG_URL="${API_CHECK_POSTGRES_URL:-${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
MAX_EXAMPLES="${API_CHECK_MAX_EXAMPLES:-25}"
MAX_TIME="${API_CHECK_MAX_TIME:-180}"
SEED="${API_CHECK_SEED:-1}"
CHECKS="${API_CHECK_CHECKS:-all}"
# Checks left out (API_CHECK_EXCLUDE_CHECKS, default none), e.g.
# positive_data_acceptance: see docs/operations.md, "API document check".
EXCLUDE_CHECKS="${API_CHECK_EXCLUDE_CHECKS:-}"
ADMIN_USER=apicheck-admin
ADMIN_PASSWORD=apicheck-password-1

log() { printf '[api-check] %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------
# tools
if [ ! -x "$VENV/bin/schemathesis" ] || [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
    log "installing openapi-spec-validator and schemathesis into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        'openapi-spec-validator>=0.7,<1' 'schemathesis>=4.30,<5'
fi
VENV="$(cd "$VENV" && pwd)"
"$VENV/bin/schemathesis" --version >&2

log "building the server (dev profile)"
cargo build --quiet -p workspace-server
BIN="$PWD/target/debug/workspace-server"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# ---------------------------------------------------------------------------
# one server at a time; everything it leaves is removed on exit
SERVER_PID=""
PG_DB=""
WORK="$(mktemp -d)"
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
    if [ -n "$PG_DB" ]; then
        psql "$PG_URL" -qAtc "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" </dev/null || true
        PG_DB=""
    fi
}
trap 'cleanup; rm -rf "$WORK"' EXIT
# stopped from outside (.ci/run bounds this script with `timeout`): clean up too
trap 'exit 143' TERM INT

# pg_url_with_db URL NAME: URL with its database replaced by NAME.
pg_url_with_db() {
    python3 - "$1" "$2" <<'EOF'
import sys, urllib.parse as u
url, name = sys.argv[1], sys.argv[2]
p = u.urlsplit(url)
print(u.urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment)))
EOF
}

# start_server BACKEND: starts the binary on a fresh database, sets BASE.
start_server() {
    local backend="$1" db_url="" log_file="$OUT/server-$1.log"
    if [ "$backend" = postgres ]; then
        PG_DB="apicheck_$(date +%s)_$$"
        psql "$PG_URL" -qAtc "CREATE DATABASE \"$PG_DB\"" </dev/null
        db_url="$(pg_url_with_db "$PG_URL" "$PG_DB")"
    fi
    (
        cd "$WORK"
        exec env -i PATH="$PATH" HOST=127.0.0.1 PORT=0 \
            DATABASE_URL="$db_url" DB_PATH="$WORK/$backend.db" \
            JWT_SECRET_KEY=api-check-secret-api-check-secret-0123 \
            BCRYPT_COST=4 LOGIN_MAX_FAILURES=1000000 \
            BOOTSTRAP_ADMIN_USERNAME="$ADMIN_USER" BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
            GLOBAL_TRAIN_INTERVAL_SECONDS=0 WEB_DIR="$OLDPWD/web" RUST_LOG=warn,workspace_server=info \
            "$BIN"
    ) >"$log_file" 2>&1 &
    SERVER_PID=$!
    local addr=""
    for _ in $(seq 1 600); do
        addr="$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$log_file" | head -n 1)"
        [ -n "$addr" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log_file" >&2; return 1; }
        sleep 0.1
    done
    [ -n "$addr" ] || { log "server did not start"; cat "$log_file" >&2; return 1; }
    BASE="http://$addr"
    log "$backend server at $BASE"
}

# admin_token: a bearer token of the bootstrap admin.
admin_token() {
    python3 - "$BASE" "$ADMIN_USER" "$ADMIN_PASSWORD" <<'EOF'
import json, sys, urllib.request
base, user, password = sys.argv[1:]
req = urllib.request.Request(
    base + "/api/login",
    data=json.dumps({"username": user, "password": password}).encode(),
    headers={"Content-Type": "application/json"},
)
print(json.load(urllib.request.urlopen(req, timeout=30))["access_token"])
EOF
}

# check BACKEND: validator and schemathesis against a fresh server.
check() {
    local backend="$1" status=0
    start_server "$backend"
    python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=30).read())' \
        "$BASE/api/openapi.json" >"$OUT/openapi-$backend.json"
    log "$backend: openapi-spec-validator"
    if ! "$VENV/bin/openapi-spec-validator" --validation-errors all "$OUT/openapi-$backend.json" \
        >"$OUT/validator-$backend.txt" 2>&1; then
        status=1
        log "$backend: the document is INVALID ($(grep -c 'Validation Error: \[' "$OUT/validator-$backend.txt" || true) errors, $OUT/validator-$backend.txt)"
    fi
    cat "$OUT/validator-$backend.txt" >&2
    log "$backend: schemathesis (checks: $CHECKS, at most $MAX_EXAMPLES examples per operation, ${MAX_TIME}s)"
    local token
    token="$(admin_token)"
    # (from $WORK, where it leaves its .schemathesis cache)
    if ! (cd "$WORK" && "$VENV/bin/schemathesis" run "$BASE/api/openapi.json" \
        --url "$BASE" \
        --checks "$CHECKS" \
        ${EXCLUDE_CHECKS:+--exclude-checks "$EXCLUDE_CHECKS"} \
        --header "Authorization: Bearer $token" \
        --max-examples "$MAX_EXAMPLES" \
        --max-time "$MAX_TIME" \
        --seed "$SEED" \
        --workers 2 \
        --request-timeout 30 \
        --continue-on-failure \
        --generation-allow-x00 false \
        --generation-codec utf-8 \
        --exclude-path /api/logout \
        --exclude-path /api/account/password \
        --exclude-operation-id delete_account \
        --no-color \
        --report junit,ndjson --report-dir "$OUT/schemathesis-$backend" \
        >"$OUT/schemathesis-$backend.txt" 2>&1 </dev/null); then
        status=1
        log "$backend: schemathesis FAILED ($OUT/schemathesis-$backend.txt)"
    fi
    sed -n '/^=* *\(FAILURES\|SUMMARY\)/,$p' "$OUT/schemathesis-$backend.txt" | head -n 400 >&2
    if grep -q "panicked" "$OUT/server-$backend.log"; then
        status=1
        log "$backend: the server panicked ($OUT/server-$backend.log)"
    fi
    cleanup
    return "$status"
}

failed=()
for backend in $BACKENDS; do
    check "$backend" || failed+=("$backend")
done
if [ "${#failed[@]}" -gt 0 ]; then
    log "FAILED on: ${failed[*]} (reports in $OUT)"
    exit 1
fi
log "the document is valid and schemathesis found nothing on: $BACKENDS"
