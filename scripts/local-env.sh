#!/usr/bin/env bash
# Local environment for drbatch: PostgreSQL on 127.0.0.1:5432, the job repository database, the seeded demo
# source database, and S3-compatible servers (Adobe S3Mock) on loopback with their buckets.
#
#   scripts/local-env.sh up       start what is missing, create and seed what is absent (idempotent), and the
#                                 login role that must authenticate with scram-sha-256 (see scram_up)
#   scripts/local-env.sh down     stop only what 'up' started
#   scripts/local-env.sh status   say what runs
#   scripts/local-env.sh clean    'down', then delete what the S3 servers stored (every bucket and object) and their
#                                 logs; the next 'up' starts with empty buckets
#
# Environment: DRBATCH_S3_PORTS (default "9090"; 9091 and 9092 are reserved for the secondary targets),
# DRBATCH_BUCKET (default drbatch), PGHOST/PGPORT/PGUSER (default 127.0.0.1/5432/postgres),
# DRBATCH_LOCAL_STATE (default .local in the checkout: pid files, logs and the S3 servers' files),
# DRBATCH_SCRAM_ROLE / DRBATCH_SCRAM_PASSWORD (default drbatch_scram / drbatch-Scram-7c41e9: a local test login).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=${DRBATCH_LOCAL_STATE:-$root/.local}
launcher="$root/scripts/s3mock"
s3_ports=${DRBATCH_S3_PORTS:-9090}
bucket=${DRBATCH_BUCKET:-drbatch}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
scram_role=${DRBATCH_SCRAM_ROLE:-drbatch_scram}
scram_password=${DRBATCH_SCRAM_PASSWORD:-drbatch-Scram-7c41e9}

say() { printf 'local-env: %s\n' "$*"; }
die() { printf 'local-env: error: %s\n' "$*" >&2; exit 1; }

postgres_up() {
  if pg_isready -q -t 2; then return; fi
  command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not answering on $PGHOST:$PGPORT and pg_ctlcluster is not installed"
  local version; version=$(ls /etc/postgresql | sort -n | tail -n 1)
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  echo "$version" > "$state/postgres.started"
  for _ in $(seq 1 30); do pg_isready -q -t 1 && return; sleep 1; done
  die "PostgreSQL did not become ready on $PGHOST:$PGPORT"
}

database_exists() { [ "$(psql -d postgres -XAtc "select 1 from pg_database where datname = '$1'")" = 1 ]; }

databases_up() {
  database_exists drbatch || { say "creating job repository database drbatch"; createdb drbatch; }
  if ! database_exists omnihub_demo; then
    say "creating and seeding demo database omnihub_demo"
    createdb omnihub_demo
  fi
  if [ "$(psql -d omnihub_demo -XAtc "select count(*) from pg_tables where schemaname = 'public' and tablename = 'profiles'")" = 0 ]; then
    psql -d omnihub_demo -X -q -v ON_ERROR_STOP=1 -f "$root/scripts/sql/omnihub_demo.sql" >/dev/null
    say "seeded omnihub_demo"
  fi
}

# A login that must authenticate with its password (scram-sha-256), as every production server asks, while the
# local server trusts everyone else on 127.0.0.1: the role (superuser, so that it can dump, restore and create
# databases like postgres), its password, and pg_hba lines for it (databases and replication) ahead of the trust
# lines, then replication on loopback for everyone else (the demo source's WAL archive). Idempotent: the lines are
# added once, the configuration reloaded only when they were.
scram_up() {
  if [ "$(psql -d postgres -XAtc "select 1 from pg_roles where rolname = '$scram_role'")" != 1 ]; then
    say "creating login role $scram_role (scram-sha-256)"
    psql -d postgres -Xq -v ON_ERROR_STOP=1 -c "CREATE ROLE $scram_role LOGIN SUPERUSER REPLICATION"
  fi
  psql -d postgres -Xq -v ON_ERROR_STOP=1 \
    -c "SET password_encryption = 'scram-sha-256'" -c "ALTER ROLE $scram_role PASSWORD '$scram_password'"
  local hba; hba=$(psql -d postgres -XAtc "show hba_file")
  local lines="host all $scram_role 127.0.0.1/32 scram-sha-256
host replication $scram_role 127.0.0.1/32 scram-sha-256
host replication all 127.0.0.1/32 trust"
  if ! grep -qxF "host all $scram_role 127.0.0.1/32 scram-sha-256" "$hba" \
      || ! grep -qxF "host replication $scram_role 127.0.0.1/32 scram-sha-256" "$hba" \
      || ! grep -qxF "host replication all 127.0.0.1/32 trust" "$hba"; then
    [ -w "$hba" ] || die "cannot add the $scram_role lines to $hba (not writable by $(id -un)); add them ahead of the trust lines: $lines"
    local rest; rest=$(grep -vxF "host all $scram_role 127.0.0.1/32 scram-sha-256" "$hba" \
      | grep -vxF "host replication $scram_role 127.0.0.1/32 scram-sha-256" \
      | grep -vxF "host replication all 127.0.0.1/32 trust" \
      | grep -vxF "# drbatch: local test login that must use its password" \
      | grep -vxF "# drbatch: local test login that must use its password; replication for the demo (WAL archive)" || true)
    printf '# drbatch: local test login that must use its password; replication for the demo (WAL archive)\n%s\n%s\n' "$lines" "$rest" > "$hba"
    psql -d postgres -XAtc "select pg_reload_conf()" >/dev/null
    say "added $scram_role (scram-sha-256) to $hba and reloaded"
  fi
}

# Prints the launcher's class path on stdout (and nothing else: the caller captures it).
launcher_classpath() {
  if [ ! -s "$launcher/target/classpath.txt" ] || [ ! -d "$launcher/target/classes" ]; then
    say "building the S3Mock launcher (first run resolves it from Maven Central)" >&2
    (cd "$launcher" && mvn -q -B package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt) >&2
  fi
  printf '%s:%s' "$launcher/target/classes" "$(cat "$launcher/target/classpath.txt")"
}

s3_answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; }

s3_up() {
  local port=$1 classpath
  if ! s3_answers "$port"; then
    classpath=$(launcher_classpath)
    mkdir -p "$state/s3mock-$port"
    say "starting S3Mock on 127.0.0.1:$port"
    nohup java -Xmx256m -XX:+UseSerialGC -Ddrbatch.s3mock.address=127.0.0.1 -cp "$classpath" \
      com.adobe.testing.s3mock.S3MockApplication \
      --spring.main.sources=io.drbatch.s3mock.LoopbackConnectors \
      --com.adobe.testing.s3mock.httpPort="$port" --server.port=0 --server.address=127.0.0.1 \
      --com.adobe.testing.s3mock.store.root="$state/s3mock-$port" \
      --com.adobe.testing.s3mock.store.retain-files-on-exit=true \
      --logging.level.root=WARN \
      > "$state/s3mock-$port.log" 2>&1 < /dev/null &
    echo $! > "$state/s3mock-$port.pid"
    for _ in $(seq 1 60); do s3_answers "$port" && break; sleep 1; done
    s3_answers "$port" || die "S3Mock did not start on port $port (see $state/s3mock-$port.log)"
  fi
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$port/$bucket")
  if [ "$code" != 200 ]; then
    curl -s -f -o /dev/null -X PUT "http://127.0.0.1:$port/$bucket" || die "cannot create bucket $bucket on port $port"
    say "created bucket $bucket on 127.0.0.1:$port"
  fi
}

up() {
  mkdir -p "$state"
  postgres_up
  databases_up
  scram_up
  for port in $s3_ports; do s3_up "$port"; done
  say "ready: PostgreSQL $PGHOST:$PGPORT (omnihub_demo, drbatch), S3 on port(s) $s3_ports, bucket $bucket"
}

down() {
  for pidfile in "$state"/s3mock-*.pid; do
    [ -e "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      say "stopping S3Mock pid $pid"
      kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$pidfile"
  done
  if [ -e "$state/postgres.started" ]; then
    say "stopping PostgreSQL $(cat "$state/postgres.started")"
    pg_ctlcluster --skip-systemctl-redirect "$(cat "$state/postgres.started")" main stop || true
    rm -f "$state/postgres.started"
  fi
}

clean() {
  down
  local stored
  stored=$(du -sh "$state" 2>/dev/null | cut -f1 || true)
  rm -rf "$state"/s3mock-*
  say "deleted the S3 servers' files in $state (${stored:-0} before)"
}

status() {
  if pg_isready -q -t 2; then say "PostgreSQL: up on $PGHOST:$PGPORT"; else say "PostgreSQL: down"; fi
  for port in $s3_ports; do
    if s3_answers "$port"; then say "S3 on 127.0.0.1:$port: up"; else say "S3 on 127.0.0.1:$port: down"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  clean) clean ;;
  *) echo "usage: $0 up|down|status|clean" >&2; exit 2 ;;
esac
