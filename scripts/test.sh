#!/usr/bin/env bash
# The project's tests: `cargo test --workspace` with a PostgreSQL server for the Postgres
# tests. Arguments go to cargo (`scripts/test.sh --locked`, `scripts/test.sh -p routeval-store`).
#
# Unless ROUTEVAL_TEST_PG already names a server, a throwaway cluster is started in a
# temporary directory (scripts/pg-cluster.sh: Debian's postgresql package, installed when
# missing, on a free loopback port) and stopped and removed when the tests end, pass,
# fail or are interrupted. Tests create a database each in it, so its role is a
# superuser.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z ${ROUTEVAL_TEST_PG:-} ]]; then
  PG_DIR=$(mktemp -d)
  cleanup() {
    scripts/pg-cluster.sh stop "$PG_DIR" || true
    rm -rf "$PG_DIR"
  }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  ROUTEVAL_TEST_PG=$(scripts/pg-cluster.sh start "$PG_DIR")
  echo "test.sh: PostgreSQL for the tests at $ROUTEVAL_TEST_PG" >&2
fi
export ROUTEVAL_TEST_PG

status=0
cargo test --workspace "$@" || status=$?
exit "$status"
