#!/usr/bin/env bash
# Fleet figures (issue 19): 50 small databases on the local PostgreSQL configured as 50 sources of one drbatch.
# For each parallelism in $PARALLELISMS (default "1 2 4"): `drbatch run daily-dump` then `drbatch run restore-drill`
# with no database named (every source, each its own job instance), in one process each, on a fresh bucket and a
# fresh job repository; then the same 50 dumps the other way, one `drbatch run daily-dump database=<name>` process
# per source (as 50 CronJobs would). Prints wall time, peak RSS (GNU time), and checks that every source was
# dumped and drilled (PASSED) and that no job-repository or lock contention error was logged. With parallelism p the
# heap is 256 MB + (p - 1) x 96 MB (at 256 MB, two dumps at a time ran out of heap: see docs/BENCHMARKS.md).
# Then scheduler mode: two replicas, daily-dump and restore-drill fired by Quartz (SCHEDULER=0 skips it; the drill
# row's last column counts misfires and launch failures instead of contention).
# Usage: bench/fleet.sh [sources]   (SOURCES default 50, ROWS per database default 20000, EACH=0 skips the last part)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sources=${1:-${SOURCES:-50}}
rows=${ROWS:-20000}
parallelisms=${PARALLELISMS:-1 2 4}
work=$root/bench/.work/fleet
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
mkdir -p "$work"
scripts/local-env.sh up >/dev/null
[ -f scheduler/target/drbatch.jar ] || mvn -B -q -DskipTests install
bin/drbatch warmup >/dev/null 2>&1 || true

names=()
for i in $(seq -w 1 "$sources"); do
  name=fleet_$i
  names+=("$name")
  if [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = '$name'")" = 0 ]; then
    psql -q -d postgres -c "CREATE DATABASE $name"
    psql -q -d "$name" -c "CREATE TABLE orders (id bigint PRIMARY KEY, customer int, note text);
      INSERT INTO orders SELECT g, g % 977, md5(g::text) FROM generate_series(1, $rows) g;
      CREATE TABLE customers AS SELECT g AS id, 'c' || g AS name FROM generate_series(1, 977) g;"
  fi
done

configure() { # $1: bucket, $2: job repository database
  curl -s -o /dev/null -X PUT "http://127.0.0.1:9090/$1"
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2"
  export SPRING_DATASOURCE_URL="jdbc:postgresql://$PGHOST:$PGPORT/$2" SPRING_DATASOURCE_USERNAME=$PGUSER
  export DRBATCH_TARGETS_0_NAME=primary DRBATCH_TARGETS_0_ENDPOINT=http://127.0.0.1:9090 DRBATCH_TARGETS_0_BUCKET=$1 \
    DRBATCH_TARGETS_0_PATH_STYLE=true DRBATCH_TARGETS_0_ACCESS_KEY_ID=bench DRBATCH_TARGETS_0_SECRET_ACCESS_KEY=bench
  local i=0
  for name in "${names[@]}"; do
    export "DRBATCH_SOURCES_${i}_NAME=$name" "DRBATCH_SOURCES_${i}_DATABASE=$name" "DRBATCH_SOURCES_${i}_HOST=$PGHOST" \
      "DRBATCH_SOURCES_${i}_PORT=$PGPORT" "DRBATCH_SOURCES_${i}_USERNAME=$PGUSER"
    i=$((i + 1))
  done
}

# runs drbatch under GNU time; prints "<wall s> <peak RSS MB> <exit code>"
timed() {
  local log=$1; shift
  local rc=0
  /usr/bin/time -f '%e %M' -o "$log.time" bin/drbatch "$@" > "$log" 2>&1 || rc=$?
  read -r wall rss < <(tail -n 1 "$log.time")   # GNU time writes "Command exited with ..." first on a failure
  echo "$wall $((rss / 1024)) $rc"
}

contention() { cat "$@" | grep -ciE 'deadlock|could not serialize|duplicate key|lock timeout|JobExecutionAlreadyRunning|ObjectOptimisticLocking' || true; }

stamp=$(date +%s)
printf '%-28s %8s %10s %5s %8s %8s %11s\n' run wall_s peak_MB exit dumped passed contention
for p in $parallelisms; do
  configure "fleet-$stamp-p$p" "drbatch_fleet_repo_p$p"
  export DRBATCH_FLEET_PARALLELISM=$p
  # bin/drbatch's default heap (256 MB) holds one dump's part buffers (part-size x (parts-in-flight + 1) = 80 MB)
  # with room to spare; each further source at a time needs about another 96 MB
  export DRBATCH_JAVA_OPTS="-Xms64m -Xmx$((256 + (p - 1) * 96))m -XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=64m $(
    sed -n 's/^jit_opts="\(.*\)"$/\1/p' bin/drbatch)"
  read -r dwall drss drc < <(timed "$work/dump-p$p.log" run daily-dump backup.date=2026-12-01)
  read -r rwall rrss rrc < <(timed "$work/drill-p$p.log" run restore-drill drill.date=2026-12-01)
  dumped=$(bin/drbatch backups --format tsv 2>/dev/null | tail -n +2 | wc -l)
  passed=$(bin/drbatch drills --format tsv 2>/dev/null | grep -c PASSED || true)
  errors=$(contention "$work/dump-p$p.log" "$work/drill-p$p.log")
  printf '%-28s %8s %10s %5s %8s %8s %11s\n' "daily-dump, parallelism $p" "$dwall" "$drss" "$drc" "$dumped" - "$errors"
  printf '%-28s %8s %10s %5s %8s %8s %11s\n' "restore-drill, parallelism $p" "$rwall" "$rrss" "$rrc" - "$passed" "$errors"
done

scheduler_mode() {
  # two `drbatch scheduler` replicas sharing the job repository (clustered Quartz, as on Kubernetes); daily-dump fires
  # at the next whole minute and restore-drill two minutes later, every other job unscheduled; one replica runs each
  # fire, its sources one after another. Times from the first fire to the last source's completion in the logs.
  configure "fleet-$stamp-scheduler" drbatch_fleet_repo_scheduler
  local first; first=$(( ($(date +%s) / 60 + 1) * 60 ))
  local dump_cron drill_cron
  dump_cron="0 $(date -u -d "@$first" +%-M) $(date -u -d "@$first" +%-H) * * ?"
  drill_cron="0 $(date -u -d "@$((first + 120))" +%-M) $(date -u -d "@$((first + 120))" +%-H) * * ?"
  local pids=()
  for replica in 1 2; do
    bin/drbatch --set server.port=0 --set "drbatch.schedule.cron.daily-dump=$dump_cron" \
      --set "drbatch.schedule.cron.restore-drill=$drill_cron" --set drbatch.schedule.cron.archive-tiering= \
      --set drbatch.schedule.cron.retention= --set drbatch.schedule.cron.replication= \
      --set drbatch.schedule.cron.wal-archive= --set drbatch.schedule.cron.base-backup= \
      --set drbatch.schedule.cron.pitr-drill= scheduler > "$work/scheduler-$replica.log" 2>&1 &
    pids+=($!)
  done
  local deadline=$(( first + 600 ))
  while [ "$(date +%s)" -lt "$deadline" ] && \
      [ "$(cat "$work"/scheduler-*.log | grep -c 'Scheduled restore-drill of .* COMPLETED')" -lt "${#names[@]}" ]; do
    sleep 5
  done
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  local dumps drills
  dumps=$(cat "$work"/scheduler-*.log | grep -c 'Scheduled daily-dump of .* COMPLETED' || true)
  drills=$(cat "$work"/scheduler-*.log | grep -c 'Scheduled restore-drill of .* COMPLETED' || true)
  local last_dump last_drill
  last_dump=$(cat "$work"/scheduler-*.log | grep 'Scheduled daily-dump of .* COMPLETED' | sort | tail -1 | cut -c1-23)
  last_drill=$(cat "$work"/scheduler-*.log | grep 'Scheduled restore-drill of .* COMPLETED' | sort | tail -1 | cut -c1-23)
  printf '%-28s %8.2f %10s %5s %8s %8s %11s\n' "daily-dump, scheduler mode" \
    "$(echo "$(date -d "$last_dump" +%s.%N) - $first" | bc)" - - "$dumps" - "$(contention "$work"/scheduler-*.log)"
  printf '%-28s %8.2f %10s %5s %8s %8s %11s\n' "restore-drill, scheduler mode" \
    "$(echo "$(date -d "$last_drill" +%s.%N) - $first - 120" | bc)" - - - "$drills" \
    "$(cat "$work"/scheduler-*.log | grep -ciE 'misfire|could not be launched|Couldn.t acquire' || true)"
}

unset DRBATCH_FLEET_PARALLELISM DRBATCH_JAVA_OPTS
[ "${SCHEDULER:-1}" = 1 ] && scheduler_mode
[ "${EACH:-1}" = 1 ] || exit 0   # EACH=0: skip the 50 processes
configure "fleet-$stamp-each" drbatch_fleet_repo_each
start=$(date +%s.%N)
peak=0
failed=0
for name in "${names[@]}"; do
  read -r _ rss rc < <(timed "$work/each-$name.log" run daily-dump "database=$name" backup.date=2026-12-01)
  [ "$rss" -gt "$peak" ] && peak=$rss
  [ "$rc" = 0 ] || failed=$((failed + 1))
done
wall=$(echo "$(date +%s.%N) - $start" | bc)
dumped=$(bin/drbatch backups --format tsv 2>/dev/null | tail -n +2 | wc -l)
printf '%-28s %8.2f %10s %5s %8s %8s %11s\n' "daily-dump, a process each" "$wall" "$peak" "$failed" "$dumped" - \
  "$(contention "$work"/each-*.log)"
