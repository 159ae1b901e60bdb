# Shared pieces of scripts/bench-api.sh and scripts/profile-api.sh (sourced,
# not run). The caller sets NAME (message prefix), WORK (a scratch folder),
# BIN (the server binary), PIDS=() (started processes, stopped by
# stop_all) and NEXT_PORT (first port to try).

die() {
    echo "$NAME: $*" >&2
    exit 1
}

need_wrk() { # installs Debian's wrk when it is missing
    command -v wrk >/dev/null 2>&1 && return 0
    echo "$NAME: installing wrk (Debian package)"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    command -v apt-get >/dev/null 2>&1 || die "wrk is not installed and apt-get is not available"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq wrk </dev/null \
        || { DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq </dev/null \
             && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq wrk </dev/null; } \
        || die "could not install wrk"
}

free_port() { # sets PORT to a port nothing accepts connections on, from NEXT_PORT on
    local p
    for p in $(seq "$NEXT_PORT" $((NEXT_PORT + 99))); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            NEXT_PORT=$((p + 1))
            PORT="$p"
            return 0
        fi
    done
    die "no free port from $NEXT_PORT on"
}

wait_health() { # $1 base URL, $2 pid, $3 log; waits up to 60 s (valgrind is slow)
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null "$1/health" && return 0
        kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "$1 exited at start-up"; }
        sleep 0.1
    done
    cat "$3" >&2
    die "$1 did not answer /health within 60 s"
}

stop_all() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}

# $1 label, then VAR=value settings, optionally `--` and a wrapper command
# (valgrind …) → starts the server on a free port; sets PORT and SERVER_PID.
start_server() {
    local label="$1" log="$WORK/server-$1.log" settings=() wrapper=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        settings+=("$1")
        shift
    done
    [ "${1:-}" = -- ] && { shift; wrapper=("$@"); }
    free_port
    env HOST=127.0.0.1 PORT="$PORT" APP_ENV=development \
        JWT_SECRET_KEY="bench-only-secret-not-for-production-0123456789" \
        BCRYPT_COST=4 RUST_LOG=warn GLOBAL_TRAIN_INTERVAL_SECONDS=0 \
        "${settings[@]}" "${wrapper[@]}" "$BIN" >"$log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    wait_health "http://127.0.0.1:$PORT" "$SERVER_PID" "$log"
    echo "$NAME: $label server on port $PORT (pid $SERVER_PID)"
}

request() { # $1 method, $2 URL, $3 body, $4 token (optional) → body; fails unless 2xx
    local auth=()
    [ -n "${4:-}" ] && auth=(-H "Authorization: Bearer $4")
    curl -sf -X "$1" "$2" -H 'Content-Type: application/json' "${auth[@]}" -d "$3"
}

json_field() { # $1 field → value of the first "field": (number or string) on stdin
    grep -o "\"$1\":\"\{0,1\}[^\",}]*" | head -n1 | sed 's/^[^:]*://; s/"//g'
}

# $1 base URL, $2 projects, $3 tasks (in the first project), $4 login|session
# → registers bench_user, creates the data and checks both lists; sets
# TOKEN, PROJECT_ID and TASK_ID.
seed() {
    local base="$1" projects="$2" tasks="$3" user="bench_user" pass="bench-password-1" i n
    request POST "$base/api/register" "{\"username\":\"$user\",\"password\":\"$pass\"}" >/dev/null \
        || die "$base: register failed"
    local sign_in=/api/login
    [ "${4:-login}" = session ] && sign_in=/api/start-session
    TOKEN="$(request POST "$base$sign_in" "{\"username\":\"$user\",\"password\":\"$pass\"}" | json_field access_token)"
    [ -n "$TOKEN" ] || die "$base: sign-in failed"
    for i in $(seq 1 "$projects"); do
        request POST "$base/api/projects" "{\"name\":\"Project $i\",\"client\":\"Client $i\",\"hourly_rate\":85.5,\"due_date\":\"2027-01-3$((i % 2))\"}" "$TOKEN" \
            >"$WORK/project.json" || die "$base: creating project $i failed"
        [ "$i" -eq 1 ] && PROJECT_ID="$(json_field id <"$WORK/project.json")"
    done
    for i in $(seq 1 "$tasks"); do
        request POST "$base/api/projects/$PROJECT_ID/tasks" "{\"title\":\"Task $i\",\"description\":\"Bench task $i\",\"priority\":\"high\",\"estimate_hours\":2.5}" "$TOKEN" \
            >"$WORK/task.json" || die "$base: creating task $i failed"
        [ "$i" -eq 1 ] && TASK_ID="$(json_field id <"$WORK/task.json")"
    done
    n="$(curl -sf "$base/api/projects" -H "Authorization: Bearer $TOKEN" | grep -o '"id":' | wc -l)"
    [ "$n" -eq "$projects" ] || die "$base: expected $projects projects in the list, got $n"
    if [ "$tasks" -gt 0 ]; then
        n="$(curl -sf "$base/api/projects/$PROJECT_ID/tasks" -H "Authorization: Bearer $TOKEN" | grep -o '"project_id":' | wc -l)"
        [ "$n" -eq "$tasks" ] || die "$base: expected $tasks tasks in the list, got $n"
    fi
}

create_pg_db() { # $1 admin URL → creates a fresh database; sets PG_DB and PG_URL
    command -v psql >/dev/null 2>&1 || die "psql is required for the PostgreSQL run"
    PG_DB="bench_$$_$(date +%s)"
    psql "$1" -qAt -c "CREATE DATABASE \"$PG_DB\"" >/dev/null </dev/null \
        || die "cannot create database $PG_DB through $1"
    local url="${1%%\?*}"
    PG_URL="${url%/*}/$PG_DB"
}

drop_pg_db() { # $1 admin URL
    [ -n "${PG_DB:-}" ] || return 0
    psql "$1" -qAt -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null </dev/null || true
    PG_DB=""
}
