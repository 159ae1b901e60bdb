#!/usr/bin/env bash
# REST throughput benchmark: authenticated `GET /api/projects` against the
# trivial `GET /health`, measured in the same run with wrk, on a fresh SQLite
# file and on a fresh PostgreSQL database.
#
#   bash scripts/bench-api.sh            (or: just bench-api)
#
# Tunables (environment): BENCH_DURATION (10s), BENCH_THREADS (2),
# BENCH_CONNECTIONS (32), BENCH_PROJECTS (5), BENCH_BACKENDS ("sqlite postgres"),
# BENCH_PORT (a free one from 18300), BENCH_POSTGRES_URL (default TEST_POSTGRES_URL or
# postgres://postgres@127.0.0.1:5432/postgres; its user must be allowed to
# create databases). The goal: the authenticated list reaches at least 40 %
# of the trivial endpoint's requests/s.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION="${BENCH_DURATION:-10s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
PROJECTS="${BENCH_PROJECTS:-5}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
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
PORT="${BENCH_PORT:-$(free_port)}"
PG_ADMIN_URL="${BENCH_POSTGRES_URL:-${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
BASE="http://127.0.0.1:${PORT}"

die() {
    echo "bench-api: $*" >&2
    exit 1
}

# --- tools ---------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    echo "bench-api: installing wrk (Debian package)"
    SUDO=()
    [ "$(id -u)" -ne 0 ] && SUDO=(sudo)
    command -v apt-get >/dev/null 2>&1 || die "wrk is not installed and apt-get is not available"
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq wrk </dev/null \
        || { DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get update -qq </dev/null \
             && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq wrk </dev/null; } \
        || die "could not install wrk"
fi
command -v curl >/dev/null 2>&1 || die "curl is required"

echo "bench-api: building the release server"
cargo build --release -q -p workspace-server
BIN="${CARGO_TARGET_DIR:-target}/release/workspace-server"
[ -x "$BIN" ] || die "no server binary at $BIN"

if curl -s -o /dev/null "$BASE/health"; then
    die "something already answers on port $PORT; set BENCH_PORT"
fi

WORK="$(mktemp -d -t bench-api.XXXXXX)"
SERVER_PID=""
PG_DB=""

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
drop_pg_db() {
    if [ -n "$PG_DB" ]; then
        psql "$PG_ADMIN_URL" -qAt -c "DROP DATABASE IF EXISTS \"$PG_DB\"" >/dev/null </dev/null || true
        PG_DB=""
    fi
}
cleanup() {
    stop_server
    drop_pg_db
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- helpers -------------------------------------------------------------
start_server() { # $1 = backend, then VAR=value settings for the server
    local log="$WORK/server-$1.log"
    shift
    env HOST=127.0.0.1 PORT="$PORT" \
        APP_ENV=development \
        JWT_SECRET_KEY="bench-only-secret-not-for-production-0123456789" \
        BCRYPT_COST=4 RUST_LOG=warn \
        GLOBAL_TRAIN_INTERVAL_SECONDS=0 \
        "$@" "$BIN" >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if curl -sf -o /dev/null "$BASE/health"; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "the server exited at start-up"; }
        sleep 0.1
    done
    cat "$log" >&2
    die "the server did not answer /health within 10 s"
}

post_json() { # $1 path, $2 body, $3 token (optional) → body on stdout; fails unless 2xx
    local auth=()
    [ -n "${3:-}" ] && auth=(-H "Authorization: Bearer $3")
    curl -sf -X POST "$BASE$1" -H 'Content-Type: application/json' "${auth[@]}" -d "$2"
}

# wrk → requests/s; fails when any response was not 2xx/3xx
run_wrk() { # $1 label, $2 path, $3 token (optional)
    local out auth=()
    [ -n "${3:-}" ] && auth=(-H "Authorization: Bearer $3")
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${auth[@]}" "$BASE$2")"
    {
        echo "--- $1: GET $2"
        echo "$out"
    } >>"$WORK/wrk.log"
    if grep -q 'Non-2xx or 3xx responses' <<<"$out"; then
        echo "$out" >&2
        die "$1: GET $2 got non-2xx answers"
    fi
    awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

latency_p99() { # from the last wrk output of label $1
    awk -v l="--- $1:" 'index($0,l)==1 {f=1; next} /^--- / {f=0} f && $1=="99%" {v=$2} END {print v}' "$WORK/wrk.log"
}

RESULTS=()

bench_backend() { # $1 = sqlite | postgres
    local backend="$1" extra=()
    case "$backend" in
        sqlite)
            extra=(DATABASE_URL= DB_PATH="$WORK/bench.db")
            ;;
        postgres)
            command -v psql >/dev/null 2>&1 || die "psql is required for the PostgreSQL run"
            PG_DB="bench_api_$$_$(date +%s)"
            psql "$PG_ADMIN_URL" -qAt -c "CREATE DATABASE \"$PG_DB\"" >/dev/null </dev/null \
                || die "cannot create database $PG_DB through $PG_ADMIN_URL"
            # same server and credentials, other database name
            local url="${PG_ADMIN_URL%%\?*}"
            url="${url%/*}/$PG_DB"
            extra=(DATABASE_URL="$url")
            ;;
        *) die "unknown backend $backend" ;;
    esac

    echo
    echo "=== $backend ==="
    start_server "$backend" "${extra[@]}"

    local user="bench_user" pass="bench-password-1" token i
    post_json /api/register "{\"username\":\"$user\",\"password\":\"$pass\"}" >/dev/null \
        || die "register failed"
    token="$(post_json /api/login "{\"username\":\"$user\",\"password\":\"$pass\"}" \
        | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
    [ -n "$token" ] || die "login failed"
    for i in $(seq 1 "$PROJECTS"); do
        post_json /api/projects "{\"name\":\"Project $i\",\"client\":\"Client $i\",\"hourly_rate\":85.5,\"due_date\":\"2027-01-3$((i % 2))\"}" "$token" >/dev/null \
            || die "creating project $i failed"
    done
    local count
    count="$(curl -sf "$BASE/api/projects" -H "Authorization: Bearer $token" | grep -o '"id":' | wc -l)"
    [ "$count" -eq "$PROJECTS" ] || die "expected $PROJECTS projects in the list, got $count"

    # warm-up (pool connections, caches), not measured
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$BASE/health" >/dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $token" "$BASE/api/projects" >/dev/null

    local health list ratio
    health="$(run_wrk "$backend health" /health)"
    list="$(run_wrk "$backend projects" /api/projects "$token")"
    ratio="$(awk -v a="$list" -v b="$health" 'BEGIN {printf "%.0f", 100 * a / b}')"
    printf '%-8s GET /health        %10s req/s  (p99 %s)\n' "$backend" "$health" "$(latency_p99 "$backend health")"
    printf '%-8s GET /api/projects  %10s req/s  (p99 %s)\n' "$backend" "$list" "$(latency_p99 "$backend projects")"
    printf '%-8s ratio list/health  %9s %%\n' "$backend" "$ratio"
    RESULTS+=("$(printf '| %s | %s | %s | %s %% |' "$backend" "$health" "$list" "$ratio")")

    stop_server
    [ "$backend" = postgres ] && drop_pg_db
    return 0
}

echo "bench-api: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $PROJECTS projects, BCRYPT_COST=4, RUST_LOG=warn"
for b in $BACKENDS; do
    bench_backend "$b"
done

echo
echo "| backend | GET /health req/s | GET /api/projects req/s | list / health |"
echo "|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
echo
echo "(goal: list / health >= 40 %; host: $(nproc) CPUs, wrk and server on the same machine)"
