#!/usr/bin/env bash
# The test command: starts what the tests need (scripts/local-env.sh up: PostgreSQL, three S3 servers on ports
# 9090-9092 for the primary and two secondary targets, buckets) and runs
# every test, unit and integration, against the real PostgreSQL and the real S3-compatible server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DRBATCH_S3_PORTS="${DRBATCH_S3_PORTS:-9090 9091 9092}" scripts/local-env.sh up
mvn -B verify "$@"
