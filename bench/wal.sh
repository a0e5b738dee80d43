#!/usr/bin/env bash
# Benchmark of point-in-time recovery on the local server (it holds the benchmark database):
#  1. WAL archive under load: pgbench writes to the benchmark database for LOAD_SECONDS while wal-archive runs every
#     CADENCE seconds; per run: WAL bytes behind the server when it began and when it ended, the age of the newest
#     restorable point when it began (goal: never more than one cadence plus a run), segments and bytes stored;
#     at the end: WAL generated vs archived, bytes stored vs WAL size, the chain checked (drbatch wal verify).
#  2. Base backup, alternating, ROUNDS times: pg_basebackup -Ft -D - -X fetch -c fast > /dev/null (the floor: the
#     server's own work), drbatch base-backup (zstd, SHA-256, multipart to the local S3 server, WAL archived before
#     the manifest), pgBackRest full backup (zst level 1, process-max 2, to the same local S3 server over its HTTPS
#     connector: pgBackRest speaks S3 over TLS only; repo1-bundle=y, its setting for object stores, which packs the
#     cluster's thousands of small files into few objects; a fresh bucket each round). Goals: base-backup no slower than the fastest
#     peer, and within 1.3 x the floor plus one JVM start-up (drbatch history).
# Usage: bench/wal.sh [rounds]  (default 3); LOAD_SECONDS (default 240), CADENCE (default 60).
# Needs the scram login of scripts/local-env.sh (replication) and Debian's pgbackrest (installed when missing).
set -euo pipefail
rounds=${1:-3}
load_seconds=${LOAD_SECONDS:-240}
cadence=${CADENCE:-60}
source "$(dirname "$0")/bench-env.sh"
command -v pgbackrest >/dev/null || { apt-get update -qq && apt-get install -y -qq pgbackrest >/dev/null; }
psql -d postgres -Xqc "DROP DATABASE IF EXISTS $repo_db WITH (FORCE)" -c "CREATE DATABASE $repo_db"
# a bucket of its own each run: an earlier run's archive of the same cluster would be a chain with a hole, which
# wal-archive rightly refuses (S3 does not delete a bucket that holds objects)
bucket=drbatch-bench-wal-$(date +%s)
export DRBATCH_TARGETS_0_BUCKET=$bucket
curl -s -o /dev/null -X PUT "http://127.0.0.1:9090/$bucket"

slot=drbatch_bench_wal
psql -d postgres -XAtqc "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null
export DRBATCH_SOURCES_0_USERNAME=${DRBATCH_SCRAM_ROLE:-drbatch_scram}
export BENCH_SCRAM_PASSWORD=${DRBATCH_SCRAM_PASSWORD:-drbatch-Scram-7c41e9}
export DRBATCH_SOURCES_0_PASSWORD_ENV=BENCH_SCRAM_PASSWORD DRBATCH_SOURCES_0_PITR_ENABLED=true \
  DRBATCH_SOURCES_0_PITR_SLOT=$slot
lsn() { psql -d postgres -XAtc "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"; }
mb() { echo "scale=1; $1 / 1048576" | bc; }

echo "== WAL archive under pgbench load: ${load_seconds}s, wal-archive every ${cadence}s"
bin/drbatch run wal-archive database=bench > "$work/wal0.log" 2>&1 || { cat "$work/wal0.log"; exit 1; }
pgbench -i -s 10 -q drbatch_bench_pgbench >/dev/null 2>&1 || { createdb drbatch_bench_pgbench; pgbench -i -s 10 -q drbatch_bench_pgbench >/dev/null 2>&1; }
start_lsn=$(lsn)
pgbench -T "$load_seconds" -c 2 -n drbatch_bench_pgbench > "$work/pgbench.log" 2>&1 &
load=$!
prev_switch=$(date +%s.%N)
printf '%-4s %14s %14s %16s %9s %12s %8s\n' run "behind at start" "behind at end" "age at start (s)" segments "stored MB" "took s"
max_age=0
run=0
while kill -0 "$load" 2>/dev/null; do
  sleep "$cadence"
  run=$((run + 1))
  t0=$(date +%s.%N)
  archived_before=$(psql -d postgres -XAtc "SELECT restart_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = '$slot'")
  behind_start=$(( $(lsn) - archived_before ))
  age=$(echo "$t0 - $prev_switch" | bc)
  bin/drbatch run wal-archive database=bench > "$work/wal$run.log" 2>&1 || { cat "$work/wal$run.log"; kill "$load"; exit 1; }
  t1=$(date +%s.%N)
  archived_after=$(psql -d postgres -XAtc "SELECT restart_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = '$slot'")
  behind_end=$(( $(lsn) - archived_after ))
  segments=$(grep -o '[0-9]* segment(s) stored' "$work/wal$run.log" | head -1 | cut -d' ' -f1)
  stored=$(grep -o 'stored ([0-9]* bytes)' "$work/wal$run.log" | head -1 | tr -dc 0-9)
  printf '%-4s %11s MB %11s MB %16.1f %9s %12s %8.1f\n' "$run" "$(mb "$behind_start")" "$(mb "$behind_end")" "$age" \
    "${segments:-0}" "$(mb "${stored:-0}")" "$(echo "$t1 - $t0" | bc)"
  max_age=$(echo "if ($age > $max_age) $age else $max_age" | bc)
  # the run switched segments when it began: everything written before t0 is now archived
  prev_switch=$t0
done
wait "$load" || true
bin/drbatch run wal-archive database=bench > "$work/wal-last.log" 2>&1 || { cat "$work/wal-last.log"; exit 1; }
end_lsn=$(lsn)
generated=$((end_lsn - start_lsn))
stored_total=$(bin/drbatch history wal-archive --limit 100 --format tsv | column_of bytes_out | paste -sd+ | bc)
echo "WAL generated during the load: $(mb "$generated") MB; stored by all runs: $(mb "${stored_total:-0}") MB ($(grep -o 'tps = [0-9.]*' "$work/pgbench.log" | head -1))"
echo "largest age of the newest restorable point at a run's start: ${max_age}s (goal: <= cadence ${cadence}s + a run)"
bin/drbatch wal verify bench || { echo "chain: BROKEN"; exit 1; }

echo
echo "== Base backup of the local cluster ($(psql -d postgres -XAtc "SELECT pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database")), $rounds rounds, alternating"
pgbr=$work/pgbackrest
rm -rf "$pgbr"
pgbr_bucket=drbatch-bench-pgbr-$(date +%s)
pgbackrest_conf "$pgbr" "$pgbr_bucket"
pgbr_cmd() { runuser -u postgres -- pgbackrest --config="$pgbr/pgbackrest.conf" --stanza=bench "$@"; }
: > "$work/floor.t"; : > "$work/base.t"; : > "$work/pgbr.t"; : > "$work/jvm.t"
for i in $(seq 1 "$rounds"); do
  t0=$(now); pg_basebackup -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -Ft -D - -X fetch -c fast > /dev/null; t1=$(now)
  echo "$t1 - $t0" | bc >> "$work/floor.t"
  t0=$(now); bin/drbatch run base-backup database=bench "backup.date=$(date -u -d "2001-01-01 + $i days" +%F)" \
    > "$work/base.log" 2>&1 || { cat "$work/base.log"; exit 1; }
  t1=$(now); echo "$t1 - $t0" | bc >> "$work/base.t"
  # a fresh bucket each round: the S3 test server slows down with every object it holds, and drbatch's bucket
  # holds a few objects per backup where pgBackRest's holds thousands
  round_bucket="$pgbr_bucket-$i"
  curl -s -o /dev/null -X PUT "http://127.0.0.1:9090/$round_bucket"
  sed -i "s/^repo1-s3-bucket=.*/repo1-s3-bucket=$round_bucket/" "$pgbr/pgbackrest.conf"
  pgbr_cmd stanza-create >/dev/null
  t0=$(now); pgbr_cmd backup --type=full >/dev/null; t1=$(now); echo "$t1 - $t0" | bc >> "$work/pgbr.t"
  t0=$(now); bin/drbatch history --limit 1 >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc >> "$work/jvm.t"
  printf 'round %d: pg_basebackup %.1fs, base-backup %.1fs, pgBackRest %.1fs, JVM start-up %.1fs\n' "$i" \
    "$(tail -n1 "$work/floor.t")" "$(tail -n1 "$work/base.t")" "$(tail -n1 "$work/pgbr.t")" "$(tail -n1 "$work/jvm.t")"
done
floor=$(median < "$work/floor.t"); base=$(median < "$work/base.t"); pgbr_t=$(median < "$work/pgbr.t"); jvm=$(median < "$work/jvm.t")
stored=$(bin/drbatch backups bench --base --format tsv | column_of stored_bytes | head -1)
pgbr_size=$(pgbr_cmd info --output=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["backup"][-1]["info"]["repository"]["delta"])')
echo
printf '%-44s %8s %12s\n' "command (medians)" "wall s" "stored MB"
printf '%-44s %8.1f %12s\n' "pg_basebackup -Ft -D - -X fetch > /dev/null" "$floor" "-"
printf '%-44s %8.1f %12.1f\n' "drbatch base-backup (zstd -> S3, WAL archived)" "$base" "$(mb "$stored")"
printf '%-44s %8.1f %12.1f\n' "pgBackRest backup --type=full (zst 1, 2 procs, S3 TLS)" "$pgbr_t" "$(mb "$pgbr_size")"
limit=$(echo "1.3 * $floor + $jvm" | bc)
echo "base-backup / pgBackRest = $(echo "scale=2; $base / $pgbr_t" | bc) (goal <= 1)   base-backup vs 1.3 x floor + JVM start ($limit s): $(echo "scale=2; $base / $limit" | bc) (goal <= 1)"
ok=1
[ "$(echo "$base <= $pgbr_t" | bc)" = 1 ] || ok=0
[ "$(echo "$base <= $limit" | bc)" = 1 ] || ok=0
[ "$(echo "$max_age <= $cadence * 2" | bc)" = 1 ] || ok=0
if [ $ok = 1 ]; then echo "goals: MET"; else echo "goals: MISSED"; fi
psql -d postgres -XAtqc "SELECT pg_drop_replication_slot('$slot')" >/dev/null
