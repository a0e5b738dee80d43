#!/usr/bin/env bash
# First command for a newcomer: sets up the local environment (PostgreSQL, the seeded omnihub_demo database,
# the job repository database, the local S3 server and bucket), builds drbatch, runs the main job
# on the built-in local defaults: daily-dump of omnihub_demo, then restore-drill of that backup (prints the drill
# report: PASSED/FAILED with the per-table counts), and lists the backups and drills in the bucket.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
for tool in pg_dump psql pg_isready curl; do need "$tool" || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    echo "demo: installing postgresql-client and curl (missing: ${missing[*]})"
    apt-get update -qq && apt-get install -y -qq postgresql-client curl >/dev/null
  else
    echo "demo: error: missing ${missing[*]}; install postgresql-client and curl" >&2
    exit 1
  fi
fi
need java || { echo "demo: error: java (JDK 17) is not on PATH" >&2; exit 1; }
need mvn || { echo "demo: error: mvn (Maven) is not on PATH" >&2; exit 1; }

scripts/local-env.sh up
if [ ! -f scheduler/target/drbatch.jar ] || [ -n "$(find . -path ./bench -prune -o -name '*.java' -newer scheduler/target/drbatch.jar -print -o -name 'pom.xml' -newer scheduler/target/drbatch.jar -print -o -name '*.yml' -newer scheduler/target/drbatch.jar -print | head -n 1)" ]; then
  echo "demo: building drbatch"
  mvn -B -q -DskipTests install
fi
bin/drbatch run daily-dump "$@"
bin/drbatch run restore-drill
bin/drbatch backups
bin/drbatch drills
