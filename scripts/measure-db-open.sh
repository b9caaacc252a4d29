#!/bin/sh
# What does a hook cost with and without opening the unit's sled database?
#
# Runs the test charm (tests/test-charm) and the stateless db-consumer example as Juju would
# (env cleared, fake hook tools first on PATH) under hyperfine, for:
#
#   1. stateless, no database  test-charm, an event it does not observe, no .unit-state.db:
#                              process start, environment, model; nothing opened.
#   2. stateless, handled      db-consumer (a charm without fields) handling config-changed (one
#                              relation-ids call): a handled event that never opens the database.
#   3. database opened only    test-charm, an event it does not observe, .unit-state.db exists:
#                              the database is opened and read (it may hold deferred events),
#                              nothing is committed.
#   4. stateful                test-charm handling update-status: open, read, handler, commit
#                              (one sled batch + fsync).
#
# Usage: scripts/measure-db-open.sh [--no-build] [--runs N]
# Environment: CARGO_TARGET_DIR (default: <repo>/target), PROFILE (default: release).
# Needs hyperfine (apt-get install -y hyperfine).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PROFILE=${PROFILE:-release}
RUNS=300
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --runs) RUNS=$2; shift ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }

if [ "$BUILD" = 1 ]; then
    (cd "$ROOT" && cargo build --profile "$PROFILE" -p ops-test-charm -p db-consumer)
fi
case "$PROFILE" in dev) DIR=debug ;; *) DIR=$PROFILE ;; esac
TEST_CHARM="$TARGET/$DIR/test-charm"
DB_CONSUMER="$TARGET/$DIR/db-consumer"
for b in "$TEST_CHARM" "$DB_CONSUMER"; do
    [ -x "$b" ] || { echo "missing $b (build it, or drop --no-build)" >&2; exit 1; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

# Fake hook tools: silent successes, plus the answers the charms read.
mkdir -p "$WORK/bin"
fake() {
    printf '#!/bin/sh\n%s\n' "$2" > "$WORK/bin/$1"
    chmod +x "$WORK/bin/$1"
}
for t in juju-log status-set relation-set application-version-set; do fake "$t" ':'; done
fake is-leader 'echo true'
fake relation-ids "echo '[]'"
fake config-get "echo '{\"database-name\": \"app\", \"greeting\": \"hello\"}'"

charm_dir() { # name binary
    mkdir -p "$WORK/$1"
    cp "$2" "$WORK/$1/dispatch"
    printf '%s' "$WORK/$1"
}
FRESH=$(charm_dir fresh "$TEST_CHARM")
STATELESS=$(charm_dir stateless "$DB_CONSUMER")
STATEFUL=$(charm_dir stateful "$TEST_CHARM")

# hook <charm dir> <unit> <dispatch path>: the command line hyperfine runs (no shell).
hook() {
    printf 'env -i JUJU_UNIT_NAME=%s JUJU_VERSION=3.1.6 JUJU_MODEL_NAME=bench JUJU_CHARM_DIR=%s JUJU_DISPATCH_PATH=%s PATH=%s:/usr/bin:/bin %s/dispatch' \
        "$2" "$1" "$3" "$WORK/bin" "$1"
}

# Create the stateful charm's database with one real hook.
sh -c "cd '$STATEFUL' && $(hook "$STATEFUL" test-charm/0 hooks/install)"
[ -d "$STATEFUL/.unit-state.db" ] || { echo "the install hook did not create the database" >&2; exit 1; }

echo "binaries: $PROFILE ($TEST_CHARM, $DB_CONSUMER)"
hyperfine -N --warmup 10 --runs "$RUNS" --export-markdown "$WORK/results.md" \
    -n "1 stateless, no database (unobserved event)" "$(hook "$FRESH" test-charm/0 hooks/not-observed)" \
    -n "2 stateless charm, handled event (db-consumer config-changed)" "$(hook "$STATELESS" db-consumer/0 hooks/config-changed)" \
    -n "3 database opened and read, nothing committed" "$(hook "$STATEFUL" test-charm/0 hooks/not-observed)" \
    -n "4 stateful event (open, handler, commit + fsync)" "$(hook "$STATEFUL" test-charm/0 hooks/update-status)"

# The lazy database held: the fresh and stateless charm directories never got one.
for d in "$FRESH" "$STATELESS"; do
    if [ -e "$d/.unit-state.db" ]; then
        echo "unexpected database in $d" >&2
        exit 1
    fi
done
echo
cat "$WORK/results.md"
