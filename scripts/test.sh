#!/usr/bin/env bash
# The test command: starts what the tests need (scripts/local-env.sh up: PostgreSQL, three S3 servers on ports
# 9090-9092 for the primary and two secondary targets, buckets) and runs
# every test, unit and integration, against the real PostgreSQL and the real S3-compatible server. The status page's
# browser test drives Debian's chromium through chromium-driver: installed here when missing (as root with apt).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# AlertRulesIT runs Prometheus's promtool on the alert rules (Debian package prometheus)
if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing prometheus (promtool) for the alert rules' tests"
    apt-get update -qq && apt-get install -y -qq prometheus >/dev/null
  else
    echo "test: error: the alert rules' test needs promtool (apt-get install prometheus)" >&2
    exit 1
  fi
fi
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing chromium and chromium-driver for the status page's browser test"
    apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "test: error: the browser test needs chromium and chromium-driver (apt-get install chromium chromium-driver)" >&2
    exit 1
  fi
fi
DRBATCH_S3_PORTS="${DRBATCH_S3_PORTS:-9090 9091 9092}" scripts/local-env.sh up
mvn -B verify "$@"
