#!/usr/bin/env bash
# Benchmark of replication against a bare copy of the same object between two local S3 servers, in one run,
# alternating:
#   A  drbatch run replication: the benchmark database's backup from the primary (S3Mock :9090) to a secondary
#      (S3Mock :9091): streaming ranged GET into a multipart upload, parts in flight, verified, manifest last
#   B  curl GET of the same object to a local file, then curl PUT of that file in one stream (no verification)
# Goal: A at least as fast as B. Usage: bench/replicate.sh [rounds] (default 3). Needs the benchmark database
# (bench/create-bench-db.sh, run by bench-env.sh) and the built jar.
set -euo pipefail
rounds=${1:-3}
export DRBATCH_S3_PORTS="9090 9091"
source "$(dirname "$0")/bench-env.sh"
psql -d postgres -XAtc "select 1 from pg_database where datname = '$repo_db'" | grep -q 1 || psql -d postgres -Xqc "CREATE DATABASE $repo_db"
copy_bucket=drbatch-bench-copy
primary=http://127.0.0.1:9090
secondary=http://127.0.0.1:9091
export DRBATCH_TARGETS_1_NAME=secondary DRBATCH_TARGETS_1_ENDPOINT=$secondary DRBATCH_TARGETS_1_BUCKET=$copy_bucket \
  DRBATCH_TARGETS_1_PATH_STYLE=true DRBATCH_TARGETS_1_ACCESS_KEY_ID=bench DRBATCH_TARGETS_1_SECRET_ACCESS_KEY=bench

empty_copy_bucket() {
  # S3Mock keeps a bucket's objects in a folder per bucket: deleting the bucket through the API empties it
  local keys
  keys=$(curl -s "$secondary/$copy_bucket?list-type=2" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g' || true)
  for key in $keys; do curl -s -o /dev/null -X DELETE "$secondary/$copy_bucket/$key"; done
  curl -s -o /dev/null -X DELETE "$secondary/$copy_bucket" || true
  curl -s -o /dev/null -X PUT "$secondary/$copy_bucket"
}

echo "bench: a daily-dump of $db on the primary (reused when today's exists)"
bin/drbatch run daily-dump database=bench "backup.date=$(date -u +%F)" >"$work/replicate-dump.log" 2>&1 \
  || grep -q "already completed" "$work/replicate-dump.log" || { cat "$work/replicate-dump.log"; exit 1; }
# only the newest backup is compared: older backups of the benchmark bucket are not copied in the timed runs
manifest=$(curl -s "$primary/$bucket?list-type=2&prefix=daily/bench/" | grep -o '<Key>[^<]*manifest.json</Key>' \
  | sed 's/<[^>]*>//g' | sort | tail -n 1)
dump_key=$(curl -s "$primary/$bucket/$manifest" | grep -o '"key" *: *"[^"]*"' | head -n 1 | sed 's/.*: *"\(.*\)"/\1/')
size=$(curl -sI "$primary/$bucket/$dump_key" | tr -d '\r' | awk 'tolower($1) == "content-length:" {print $2}')
echo "bench: object $dump_key, $size bytes"
backup_id=$(basename "$(dirname "$manifest")")

: > "$work/replicate.t"; : > "$work/bare.t"
for i in $(seq 1 "$rounds"); do
  empty_copy_bucket
  t0=$(now)
  bin/drbatch run replication "replication.date=$(date -u +%FT%T.%NZ)" > "$work/replicate.log" 2>&1 || true
  t1=$(now)
  # the run also copies older benchmark backups when there are any; count only runs that copied ours
  grep -q "backup $backup_id of bench copied and verified on target 'secondary'" "$work/replicate.log" \
    || { echo "replication did not copy $backup_id:"; tail -20 "$work/replicate.log"; exit 1; }
  echo "$t1 - $t0" | bc >> "$work/replicate.t"
  copy_ms=$(grep -o "backup $backup_id of bench copied and verified on target 'secondary' in [0-9]* ms" "$work/replicate.log" | grep -o '[0-9]* ms' | tr -d ' ms')

  empty_copy_bucket
  t0=$(now)
  curl -s -f -o "$work/bare.obj" "$primary/$bucket/$dump_key"
  curl -s -f -o /dev/null -T "$work/bare.obj" "$secondary/$copy_bucket/$dump_key"
  t1=$(now)
  echo "$t1 - $t0" | bc >> "$work/bare.t"
  rm -f "$work/bare.obj"
  printf 'round %d: drbatch replication %.1fs (copy of the object itself %.1fs), bare GET then PUT %.1fs\n' "$i" \
    "$(tail -n1 "$work/replicate.t")" "$(echo "$copy_ms / 1000" | bc -l)" "$(tail -n1 "$work/bare.t")"
done
empty_copy_bucket
a=$(median < "$work/replicate.t"); b=$(median < "$work/bare.t")
echo
printf '%-66s %8s\n' "command (medians of $rounds, object of $size bytes)" "wall s"
printf '%-66s %8.1f\n' "drbatch run replication (start-up, listing, copy, verify, manifest)" "$a"
printf '%-66s %8.1f\n' "curl GET to a file, then curl PUT of it (no verification)" "$b"
ratio=$(echo "scale=2; $a / $b" | bc)
echo "replication / bare copy = $ratio (goal <= 1.0)"
if [ "$(echo "$ratio <= 1.0" | bc)" = 1 ]; then echo "goal: MET"; else echo "goal: MISSED"; fi
