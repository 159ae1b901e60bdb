# Everyday commands of Freelancer Workspace. Install `just` with
# `cargo install just`; every recipe is plain shell and also works when
# copied into a terminal (from the repository root).

# List the recipes.
default:
    @just --list

# Run the server on the embedded SQLite default (http://127.0.0.1:5000).
run:
    cargo run --release

# The test command of the README (set TEST_POSTGRES_URL to include PostgreSQL).
test:
    cargo test --workspace

# Formatting and clippy, as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Everything CI runs (installs missing system packages, needs PostgreSQL).
ci:
    bash .ci/run

# Keystroke model evaluation on the development data set.
eval-keystrokes:
    cargo run --release -p behavior-eval -- keystrokes --data ../shared/data/aalto-keystrokes-dev --json

# Mouse model evaluation on the development data set.
eval-mouse:
    cargo run --release -p behavior-eval -- mouse --data ../shared/data/balabit-mouse-dev --json

# Mouse leave-users-out protocol on all users' training sessions (the tuning protocol).
eval-mouse-lou:
    cargo run --release -p behavior-eval -- mouse --data ../shared/data/balabit-mouse-dev --protocol leave-users-out --json

# Keystroke protocol with five folds of participants (spread across folds).
eval-keystrokes-folds:
    cargo run --release -p behavior-eval -- keystrokes --data ../shared/data/aalto-keystrokes-dev --folds 5 --json

# Analyst feedback (issue 12): owners' later false-alarm rate with and without the verdict
# `owner` on their false alarms, keystrokes (5 folds) and mouse.
eval-feedback:
    cargo run --release -p behavior-eval -- keystrokes --data ../shared/data/aalto-keystrokes-dev --protocol feedback --folds 5 --json
    cargo run --release -p behavior-eval -- mouse --data ../shared/data/balabit-mouse-dev --protocol feedback --json

# Generated non-human input and replays: catch rate.
eval-synthetic:
    cargo run --release -p behavior-eval -- synthetic --json

# ROC and DET curves of both dev protocols (PNG).
eval-plots:
    cargo run --release -p behavior-eval -- keystrokes --data ../shared/data/aalto-keystrokes-dev --plot target/keystrokes-curves.png
    cargo run --release -p behavior-eval -- mouse --data ../shared/data/balabit-mouse-dev --plot target/mouse-curves.png

# REST throughput against a plain actix-web hello-world started in the same run:
# /health, authenticated project and task lists and a task PATCH, on SQLite and
# PostgreSQL (wrk -t2 -c32; medians of `rounds` rounds of `duration` per target).
bench-api rounds="3" duration="5s":
    BENCH_ROUNDS={{rounds}} BENCH_DURATION={{duration}} bash scripts/bench-api.sh

# Websocket load benchmark: N concurrent monitored sessions (default 1000),
# one typed sentence per second each, for SECONDS (default 30): packet→risk
# latency and the CPU of server and load generator.
# BENCH_DATABASE_URL=postgres://… runs it on PostgreSQL.
bench-ws sessions="1000" seconds="30":
    bash scripts/bench-ws.sh {{sessions}} {{seconds}}

# CPU profile of the authenticated GET /api/projects under wrk load (perf
# flame graph and callgrind instructions per request) into target/profile-api.
profile-api backend="sqlite":
    bash scripts/profile-api.sh {{backend}}

# Regenerate docs/openapi.json from a freshly started server.
docs-openapi:
    bash scripts/openapi.sh
