#!/usr/bin/env bash
# REST throughput benchmark against a true baseline. In one run it starts
#   - a plain actix-web hello-world (`crates/server/examples/hello.rs`,
#     `GET /health` answering a small JSON object, no database),
#   - the release server on a fresh SQLite file,
#   - the release server on a fresh PostgreSQL database (created and dropped
#     through psql),
# all at the same time and with the same (default) worker count, and measures
# with wrk, round after round, every target back to back:
#   hello-world /health; per backend: /health (pings the database), the
#   authenticated `GET /api/projects` (5 projects), `GET
#   /api/projects/{id}/tasks` (5 tasks) and `PATCH /api/tasks/{id}` (wrk Lua
#   script). It prints the median req/s of every target, its ratio to the
#   hello-world and to the same database's /health, as a table and as
#   `bench-api key=value` lines.
#
#   bash scripts/bench-api.sh            (or: just bench-api [rounds] [duration])
#
# Tunables (environment): BENCH_ROUNDS (3), BENCH_DURATION (5s per target and
# round), BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_TIMEOUT (10s, wrk's
# per-request timeout), BENCH_PROJECTS (5),
# BENCH_TASKS (5), BENCH_BACKENDS ("sqlite postgres"), BENCH_TOKEN (login |
# session: a plain login token, or a monitored-session token as the pages
# use, whose session row is checked on every request), BENCH_POSTGRES_URL
# (default TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres;
# its user must be allowed to create databases), BENCH_PORT (first port to
# try, 18300), BENCH_BIN_DIR (use the workspace-server and hello binaries in
# this folder instead of building). Goals of issue 14: SQLite list >= 40 % of the hello-world,
# PostgreSQL list >= 80 % of the PostgreSQL /health.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS="${BENCH_ROUNDS:-3}"
DURATION="${BENCH_DURATION:-5s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
# wrk's own default (2 s) counts a request starved on a busy host as an error.
TIMEOUT="${BENCH_TIMEOUT:-10s}"
PROJECTS="${BENCH_PROJECTS:-5}"
TASKS="${BENCH_TASKS:-5}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
TOKEN_KIND="${BENCH_TOKEN:-login}"
FIRST_PORT="${BENCH_PORT:-18300}"
PG_ADMIN_URL="${BENCH_POSTGRES_URL:-${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

NAME=bench-api
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer"
case "$TOKEN_KIND" in login | session) ;; *) die "BENCH_TOKEN must be login or session" ;; esac

need_wrk
command -v curl >/dev/null 2>&1 || die "curl is required"

echo "bench-api: building the release server and the hello-world baseline"
if [ -n "${BENCH_BIN_DIR:-}" ]; then # prebuilt (e.g. a copy of an earlier commit's, for before/after)
    BIN="$BENCH_BIN_DIR/workspace-server"
    HELLO="$BENCH_BIN_DIR/hello"
else
    cargo build --release -q -p workspace-server --bin workspace-server --example hello
    BIN="$TARGET_DIR/release/workspace-server"
    HELLO="$TARGET_DIR/release/examples/hello"
fi
[ -x "$BIN" ] || die "no server binary at $BIN"
[ -x "$HELLO" ] || die "no hello-world binary at $HELLO"

WORK="$(mktemp -d -t bench-api.XXXXXX)"
PIDS=()
NEXT_PORT="$FIRST_PORT"
cleanup() {
    stop_all
    drop_pg_db "$PG_ADMIN_URL"
    rm -rf "$WORK"
}
trap cleanup EXIT

# Targets: one line each in $WORK/targets: name|backend|method|URL|token|script
TARGETS="$WORK/targets"
: >"$TARGETS"
add_target() { echo "$1|$2|$3|$4|${5:-}|${6:-}" >>"$TARGETS"; }

PATCH_BODY='{"status":"in_progress","estimate_hours":3.5}'
add_backend_targets() { # $1 backend, $2 base URL (after seed)
    local lua="$WORK/patch-$1.lua"
    printf 'wrk.method = "PATCH"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' \
        "'$PATCH_BODY'" >"$lua"
    request PATCH "$2/api/tasks/$TASK_ID" "$PATCH_BODY" "$TOKEN" >/dev/null \
        || die "$1: PATCH /api/tasks/$TASK_ID failed"
    add_target "$1.health" "$1" GET "$2/health"
    add_target "$1.projects" "$1" GET "$2/api/projects" "$TOKEN"
    add_target "$1.tasks" "$1" GET "$2/api/projects/$PROJECT_ID/tasks" "$TOKEN"
    add_target "$1.patch" "$1" PATCH "$2/api/tasks/$TASK_ID" "$TOKEN" "$lua"
}

run_wrk() { # $1 duration, target fields... → "req/s p99_ms"; fails on any non-2xx
    local duration="$1" name="$2" method="$4" url="$5" token="${6:-}" script="${7:-}" out args=()
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$script" ] && args+=(-s "$script")
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --timeout "$TIMEOUT" --latency "${args[@]}" "$url" </dev/null)"
    printf -- '--- %s: %s %s\n%s\n' "$name" "$method" "$url" "$out" >>"$WORK/wrk.log"
    if grep -q -e 'Non-2xx or 3xx responses' -e 'Socket errors' <<<"$out"; then
        echo "$out" >&2
        die "$name: $method $url got errors"
    fi
    awk '/^Requests\/sec:/ {r=$2}
         $1=="99%" {v=$2; u=v; gsub(/[0-9.]/,"",u); sub(/[a-z]+$/,"",v);
                    m=(u=="us")?0.001:(u=="s")?1000:1; p=v*m}
         END {printf "%s %.2f\n", r, p}' <<<"$out"
}

median() { # numbers on stdin → median
    sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"} else if (NR%2) {print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'
}

# --- start everything ----------------------------------------------------
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
free_port
"$HELLO" --port "$PORT" >"$WORK/hello.log" 2>&1 &
PIDS+=($!)
wait_health "http://127.0.0.1:$PORT" "$!" "$WORK/hello.log"
echo "bench-api: hello-world on port $PORT (pid $!)"
add_target hello.health hello GET "http://127.0.0.1:$PORT/health"

for backend in $BACKENDS; do
    case "$backend" in
        sqlite) start_server sqlite DATABASE_URL= DB_PATH="$WORK/bench.db" ;;
        postgres)
            create_pg_db "$PG_ADMIN_URL"
            start_server postgres DATABASE_URL="$PG_URL"
            ;;
        *) die "unknown backend $backend" ;;
    esac
    seed "http://127.0.0.1:$PORT" "$PROJECTS" "$TASKS" "$TOKEN_KIND"
    add_backend_targets "$backend" "http://127.0.0.1:$PORT"
done

echo "bench-api: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds, $PROJECTS projects," \
    "$TASKS tasks, $TOKEN_KIND token, BCRYPT_COST=4, RUST_LOG=warn; load before: $LOAD_BEFORE"
# warm-up (pool connections, caches, page cache), not measured
while IFS='|' read -r -a t; do
    run_wrk 1s "${t[@]}" >/dev/null
done <"$TARGETS"

RESULTS="$WORK/results" # name round rps p99
: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
    while IFS='|' read -r -a t; do
        run_wrk "$DURATION" "${t[@]}" >"$WORK/one"
        read -r rps p99 <"$WORK/one"
        echo "${t[0]} $round $rps $p99" >>"$RESULTS"
    done <"$TARGETS"
    echo "bench-api: round $round of $ROUNDS done (load $(cut -d' ' -f1 /proc/loadavg))"
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report --------------------------------------------------------------
med_of() { awk -v n="$1" -v c="$2" '$1==n {print $c}' "$RESULTS" | median; }
rounds_of() { awk -v n="$1" '$1==n {printf "%s%.0f", (k++ ? "," : ""), $3}' "$RESULTS"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.0f", 100 * a / b; else print "-"}'; }

HELLO_RPS="$(med_of hello.health 3)"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT+dirty"
echo
echo "| target | req/s (median) | rounds | p99 ms | vs hello-world | vs same-db /health |"
echo "|---|---|---|---|---|---|"
LINES=()
while IFS='|' read -r name backend method url _; do
    path="/${url#http://*/}"
    rps="$(med_of "$name" 3)"
    p99="$(med_of "$name" 4)"
    health="$(med_of "$backend.health" 3)"
    vs_hello="$(pct "$rps" "$HELLO_RPS")"
    vs_health="-" vs_health_cell="-"
    if [ "$backend" != hello ] && [ "$name" != "$backend.health" ]; then
        vs_health="$(pct "$rps" "$health")"
        vs_health_cell="$vs_health %"
    fi
    printf '| %s %s %s | %.0f | %s | %s | %s %% | %s |\n' "$backend" "$method" "$path" "$rps" \
        "$(rounds_of "$name")" "$p99" "$vs_hello" "$vs_health_cell"
    LINES+=("bench-api target=$name method=$method path=$path rps=$(printf '%.0f' "$rps") rounds=$(rounds_of "$name") p99_ms=$p99 pct_of_hello=$vs_hello pct_of_db_health=$vs_health")
done <"$TARGETS"
echo
printf '%s\n' "${LINES[@]}"
echo "bench-api commit=$COMMIT date=$(date -u +%FT%TZ) cpus=$(nproc) rounds=$ROUNDS duration=$DURATION threads=$THREADS connections=$CONNECTIONS token=$TOKEN_KIND load_before=\"$LOAD_BEFORE\" load_after=\"$LOAD_AFTER\""
echo
echo "(goals: SQLite list >= 40 % of hello-world, PostgreSQL list >= 80 % of its /health;" \
    "wrk and the servers share this machine's $(nproc) CPUs)"
