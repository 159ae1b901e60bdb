#!/usr/bin/env bash
# CPU profile of the authenticated `GET /api/projects` (5 projects) under wrk
# load, the "before/after" profile of issue 14.
#
#   bash scripts/profile-api.sh [sqlite|postgres]     (or: just profile-api postgres)
#
# Two views, written to PROFILE_OUT (target/profile-api/BACKEND):
#   1. perf (cpu-clock sampling, DWARF call graphs) of the release server
#      while wrk -t2 -c32 loads the list: flame-list.svg (inferno) and
#      folded stacks, plus perf-summary.txt, the share of samples whose stack
#      contains each kind of work (JWT, pool checkout, SQLite prepare, …).
#      Sampling is wall-clock based, so it includes the kernel (syscalls,
#      futex wake-ups) but moves with the host's load.
#   2. callgrind (instruction counts, repeatable on a busy host) of the
#      hello-world /health, our /health and the list, each under the same
#      light load: instructions per request (callgrind-summary.txt) and the
#      inclusive top functions of the list (callgrind-list.txt).
# Needs perf (Debian linux-perf), valgrind and inferno (installed with
# `cargo install inferno` when missing). PROFILE_PERF=0 skips view 1 (no
# perf, no inferno needed); BENCH_BIN_DIR uses the workspace-server and
# hello binaries in that folder instead of building (a copy of an earlier
# commit's, for before/after). Tunables: PROFILE_SECONDS (10),
# PROFILE_CALLGRIND_SECONDS (15), PROFILE_TOKEN (login | session),
# PROFILE_MINWIDTH (2: frames narrower than 2 px are left out of the SVG),
# BENCH_POSTGRES_URL / TEST_POSTGRES_URL, BENCH_PORT (18400).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BACKEND="${1:-sqlite}"
PERF_SECONDS="${PROFILE_SECONDS:-10}"
CG_SECONDS="${PROFILE_CALLGRIND_SECONDS:-15}"
TOKEN_KIND="${PROFILE_TOKEN:-login}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT="${PROFILE_OUT:-$TARGET_DIR/profile-api/$BACKEND}"
PG_ADMIN_URL="${BENCH_POSTGRES_URL:-${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"

NAME=profile-api
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
case "$BACKEND" in sqlite | postgres) ;; *) die "backend must be sqlite or postgres" ;; esac

PERF="${PROFILE_PERF:-1}"
need_wrk
command -v valgrind >/dev/null 2>&1 || die "valgrind is required (Debian: apt-get install valgrind)"
if [ "$PERF" != 0 ]; then
    command -v perf >/dev/null 2>&1 || die "perf is required (Debian: apt-get install linux-perf)"
    if ! command -v inferno-flamegraph >/dev/null 2>&1; then
        echo "$NAME: installing inferno (cargo install inferno)"
        cargo install --locked -q inferno
    fi
fi

if [ -n "${BENCH_BIN_DIR:-}" ]; then # prebuilt (e.g. a copy of an earlier commit's, for before/after)
    BIN="$BENCH_BIN_DIR/workspace-server"
    HELLO="$BENCH_BIN_DIR/hello"
else
    echo "$NAME: building the release server and the hello-world baseline"
    cargo build --release -q -p workspace-server --bin workspace-server --example hello
    BIN="$TARGET_DIR/release/workspace-server"
    HELLO="$TARGET_DIR/release/examples/hello"
fi
[ -x "$BIN" ] || die "no server binary at $BIN"
[ -x "$HELLO" ] || die "no hello-world binary at $HELLO"

mkdir -p "$OUT"
rm -f "$OUT"/cg-*.out*
WORK="$(mktemp -d -t profile-api.XXXXXX)"
PIDS=()
NEXT_PORT="${BENCH_PORT:-18400}"
cleanup() {
    stop_all
    drop_pg_db "$PG_ADMIN_URL"
    rm -rf "$WORK"
}
trap cleanup EXIT

DB_SETTINGS=(DATABASE_URL= DB_PATH="$WORK/profile.db")
if [ "$BACKEND" = postgres ]; then
    create_pg_db "$PG_ADMIN_URL"
    DB_SETTINGS=(DATABASE_URL="$PG_URL")
fi

# --- 1. perf: where the wall-clock CPU goes under full load ----------------
if [ "$PERF" != 0 ]; then
start_server "$BACKEND" "${DB_SETTINGS[@]}"
BASE="http://127.0.0.1:$PORT"
seed "$BASE" 5 5 "$TOKEN_KIND"
AUTH=(-H "Authorization: Bearer $TOKEN")
wrk -t2 -c32 -d2s "${AUTH[@]}" "$BASE/api/projects" >/dev/null </dev/null
echo "$NAME: perf record for $PERF_SECONDS s under wrk -t2 -c32 (load $(cut -d' ' -f1 /proc/loadavg))"
wrk -t2 -c32 -d"$((PERF_SECONDS + 2))s" "${AUTH[@]}" "$BASE/api/projects" >"$OUT/perf-wrk.txt" </dev/null &
WRK_PID=$!
sleep 1
perf record -q -e cpu-clock -F 497 --call-graph dwarf,32768 -p "$SERVER_PID" \
    -o "$WORK/perf.data" -- sleep "$PERF_SECONDS" >/dev/null 2>&1
wait "$WRK_PID"
perf script -i "$WORK/perf.data" 2>/dev/null | inferno-collapse-perf >"$OUT/list.folded"
inferno-flamegraph --minwidth "${PROFILE_MINWIDTH:-2}" --title "GET /api/projects, $BACKEND, $(git rev-parse --short HEAD)" \
    <"$OUT/list.folded" >"$OUT/flame-list.svg"

# Share of samples (weighted) whose stack contains a frame matching each
# kind of work (label => awk regular expression). Kinds nest (the list query contains the SQLite prepare), so
# the shares overlap and do not add up to 100 %.
KINDS="$WORK/kinds"
cat >"$KINDS" <<'KINDS'
on blocking-pool threads (database work and its hand-offs) => ^tokio-rt-worker
on actix worker threads (HTTP, routing, auth glue, JSON) => ^actix-rt
context switches and futex wake/wait (kernel, both kinds of thread) => ;(finish_task_switch[^;]*|__schedule|schedule|futex_[a-z_]*|__x64_sys_futex)(;|$)
web::block submit on the worker (spawn_blocking, unpark) => ^actix-rt.*(spawn_blocking|actix_web::web::block)
JWT verification (jsonwebtoken) => jsonwebtoken|JwtKeys.*verify
caller lookup: users::find_by_id / sessions::get => workspace_persistence::(users::find_by_id|sessions::get)
the list query: projects::list_by_owner => workspace_persistence::projects::list_by_owner
pool checkout and return (r2d2) => r2d2::Pool<M>::get|PooledConnection<M> as core::ops::drop::Drop
pool test on checkout (PostgreSQL SELECT 1) => is_valid|R2D2Connection>::ping
SQLite statement (re)compilation => sqlite3Reprepare|sqlite3LockAndPrepare|sqlite3Prepare
SQLite execution (VDBE) => sqlite3VdbeExec
PostgreSQL client (libpq) => libpq|;PQ[A-Za-z]+|;pq[A-Z][A-Za-z]+
diesel query building and row decoding => ;<?diesel::(query_builder|sqlite::query_builder|pg::query_builder|row|deserialize|sqlite::connection::row|pg::connection::row)
serde_json => serde_json::
chrono (timestamps) => chrono::
access-log middleware (Logger formats every request) => logger::FormatText|logger::StreamLog|env_logger
memory allocation (malloc/free) => ;(malloc|_int_malloc|_int_free|__libc_free|cfree|free|realloc|_int_realloc|malloc_consolidate|unlink_chunk[^;]*)(;|$)
socket read/write (kernel) => tcp_sendmsg|tcp_recvmsg|__x64_sys_sendto|__x64_sys_recvfrom|__x64_sys_write|__x64_sys_read
epoll (mio) => epoll_wait|ep_poll
KINDS
summarise_folded() { # $1 folded stacks
    awk -v folded="$1" '
    { i = index($0, " => "); label[NR] = substr($0, 1, i - 1); pat[NR] = substr($0, i + 4); kinds = NR }
    END {
        while ((getline line < folded) > 0) {
            c = line; sub(/.* /, "", c); sub(/ [0-9]+$/, "", line); total += c
            for (k = 1; k <= kinds; k++) if (line ~ pat[k]) hit[k] += c
        }
        for (k = 1; k <= kinds; k++)
            printf "%5.1f %%  %s\n", (total ? 100 * hit[k] / total : 0), label[k]
    }' "$KINDS"
}
summarise_folded "$OUT/list.folded" >"$OUT/perf-summary.txt"
{
    echo
    echo "top self time (perf):"
    perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null \
        | grep -v -e '^#' -e '^$' | sed -n 's/[[:space:]]*-[[:space:]]*-[[:space:]]*$//; 1,25p' 
    echo
    grep -E 'Requests/sec' "$OUT/perf-wrk.txt"
} >>"$OUT/perf-summary.txt"
stop_all
else
    # The callgrind runs below use this database and token.
    start_server "$BACKEND" "${DB_SETTINGS[@]}"
    seed "http://127.0.0.1:$PORT" 5 5 "$TOKEN_KIND"
    stop_all
    echo "$NAME: perf skipped (PROFILE_PERF=0)" >"$OUT/perf-summary.txt"
fi

# --- 2. callgrind: instructions per request --------------------------------
VG=(valgrind --tool=callgrind --quiet)
cg_start_hello() { # $1 output file
    free_port
    HOST=127.0.0.1 "${VG[@]}" --callgrind-out-file="$1" "$HELLO" --port "$PORT" >"$WORK/hello.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    wait_health "http://127.0.0.1:$PORT" "$SERVER_PID" "$WORK/hello.log"
}
cg_start_server() { # $1 output file
    start_server "$BACKEND-callgrind" "${DB_SETTINGS[@]}" -- "${VG[@]}" --callgrind-out-file="$1" >/dev/null
}

cg_control() { # callgrind_control "$@" SERVER_PID; valgrind names its control
    # pipe after $HOST, which the server's settings set
    local said
    said="$(HOST=127.0.0.1 callgrind_control "$@" "$SERVER_PID" 2>&1)"
    if grep -q -i -e error -e failed <<<"$said"; then
        echo "$said" >&2
        die "callgrind_control $* failed"
    fi
}

# $1 label, $2 start function, $3 path, $4 "auth" to send the token → runs
# the target under callgrind: warm-up, counters reset, wrk -t1 -c4, counting
# switched off, stop (the dump at exit holds just the measured requests).
callgrind_run() {
    local label="$1" out="$OUT/cg-$1.out" auth=() requests ir
    [ "${4:-}" = auth ] && auth=(-H "Authorization: Bearer $TOKEN")
    "$2" "$out"
    local url="http://127.0.0.1:$PORT$3"
    wrk -t1 -c4 -d2s "${auth[@]}" "$url" >/dev/null </dev/null
    cg_control -z
    wrk -t1 -c4 -d"${CG_SECONDS}s" "${auth[@]}" "$url" >"$WORK/wrk-$label.txt" </dev/null
    cg_control -i off
    stop_all
    requests="$(awk '/requests in/ {print $1}' "$WORK/wrk-$label.txt")"
    # `totals:` sums the cost lines; `summary:` is wrong after a reset
    ir="$(awk '/^totals:/ {print $2; exit}' "$out")"
    sed -i "s/^summary: .*/summary: $ir/" "$out"
    printf '%-16s %8s requests %14s instructions %9.0f per request\n' "$label" "$requests" "$ir" \
        "$(awk -v a="$ir" -v b="$requests" 'BEGIN {print (b > 0 ? a / b : 0)}')"
}

echo "$NAME: callgrind, $CG_SECONDS s per target under wrk -t1 -c4 (valgrind is slow)"
{
    echo "callgrind, wrk -t1 -c4 -d${CG_SECONDS}s per target; $BACKEND, $TOKEN_KIND token, binaries ${BENCH_BIN_DIR:-of commit $(git rev-parse --short HEAD)}, load $(cut -d' ' -f1 /proc/loadavg)"
    callgrind_run hello-health cg_start_hello /health
    callgrind_run health cg_start_server /health
    callgrind_run list cg_start_server /api/projects auth
} >"$OUT/callgrind-summary.txt"
callgrind_annotate --inclusive=yes --auto=no "$OUT/cg-list.out" 2>/dev/null | sed -n 1,100p >"$OUT/callgrind-list.txt"
cat "$OUT/callgrind-summary.txt" "$OUT/perf-summary.txt"
echo "$NAME: flame graph, folded stacks and callgrind files in $OUT"
