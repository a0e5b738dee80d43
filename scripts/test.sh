#!/usr/bin/env bash
# The test command: starts what the tests need (scripts/local-env.sh up: PostgreSQL, S3 server, bucket) and runs
# every test, unit and integration, against the real PostgreSQL and the real S3-compatible server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/local-env.sh up
mvn -B verify "$@"
