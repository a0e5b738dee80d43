#!/usr/bin/env bash
# The floor under bench/drill.sh on this machine, in one run, alternating with the plan's bare restore:
#   F  the work any drill of the benchmark database makes the server do, with nothing of drbatch in the way:
#      - restore: the rows, as COPY text in local files, loaded by two psql sessions at once, the largest
#        table's halves first, one on each session; then its primary key and unique constraints are built on one
#        session while the other loads every other table and builds its own (the schema before, untimed);
#      - count(*) of every table, the benchmark's check (bench/drill.sh's), DROP DATABASE;
#      - the start-up of the JVM for one drbatch command (`drbatch history`).
#      Not in F, and all done by a drill on top: download, decompression, checksum verification, choosing the
#      backup, the report. Foreign keys are not built (the benchmark database has none).
#   B  gunzip < dump.sql.gz | psql into a new database (as bench/drill.sh)
# Prints the medians of each part, F's sum and F / B. Usage: bench/restore-floor.sh [rounds] (default 3).
set -euo pipefail
rounds=${1:-3}
source "$(dirname "$0")/bench-env.sh"
floor=$work/floor
mkdir -p "$floor"
[ -s "$work/plan.sql.gz" ] || pg_dump -d "$db" | gzip -1 > "$work/plan.sql.gz"

tables=$(psql -d "$db" -XAtc "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
  WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  ORDER BY pg_relation_size(format('%I.%I', schemaname, tablename)::regclass) DESC")
largest=$(echo "$tables" | head -n1)
others=$(echo "$tables" | tail -n +2)
if [ ! -s "$floor/source" ] || [ "$(cat "$floor/source")" != "$db $(echo $tables)" ]; then
  echo "bench: writing every table's rows of $db as COPY text to $floor (once)"
  rm -f "$floor"/*
  pg_dump --section=pre-data -d "$db" > "$floor/pre-data.sql"
  for t in $tables; do psql -d "$db" -Xqc "\\copy $t TO '$floor/$t.copy'"; done
  split -n l/2 "$floor/$largest.copy" "$floor/$largest.half."
  echo "$db $(echo $tables)" > "$floor/source"
fi
# each table's own keys and indexes, as the source has them
indexes() {
  psql -d "$db" -XAtc "SELECT format('ALTER TABLE ONLY %s ADD CONSTRAINT %I %s;', conrelid::regclass, conname,
      pg_get_constraintdef(oid)) FROM pg_constraint WHERE conrelid = '$1'::regclass AND contype IN ('p', 'u')
    UNION ALL SELECT pg_get_indexdef(indexrelid) || ';' FROM pg_index WHERE indrelid = '$1'::regclass
      AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)"
}
check=${DRBATCH_DRILL_CHECKS_0_SQL:-SELECT count(*) > 0 FROM pgbench_accounts}

: > "$work/floor.restore"; : > "$work/floor.counts"; : > "$work/floor.check"; : > "$work/floor.drop"
: > "$work/floor.jvm"; : > "$work/floor.sum"; : > "$work/floor.plan"
for i in $(seq 1 "$rounds"); do
  psql -d postgres -Xqc "DROP DATABASE IF EXISTS floor_restore WITH (FORCE)" -c "CREATE DATABASE floor_restore"
  psql -d floor_restore -Xq -v ON_ERROR_STOP=1 -f "$floor/pre-data.sql" > /dev/null
  t0=$(now)
  psql -d floor_restore -Xqc "\\copy $largest FROM '$floor/$largest.half.aa'" &
  psql -d floor_restore -Xqc "\\copy $largest FROM '$floor/$largest.half.ab'"
  wait
  indexes "$largest" | psql -d floor_restore -Xq -v ON_ERROR_STOP=1 &
  for t in $others; do
    psql -d floor_restore -Xqc "\\copy $t FROM '$floor/$t.copy'"
    indexes "$t" | psql -d floor_restore -Xq -v ON_ERROR_STOP=1
  done
  wait
  t1=$(now)
  for t in $tables; do psql -d floor_restore -XAtc "SELECT count(*) FROM $t" > /dev/null; done
  t2=$(now)
  psql -d floor_restore -XAtc "$check" > /dev/null
  t3=$(now)
  psql -d postgres -Xqc "DROP DATABASE floor_restore"
  t4=$(now)
  bin/drbatch history > /dev/null 2>&1
  t5=$(now)
  echo "$t1 - $t0" | bc >> "$work/floor.restore"; echo "$t2 - $t1" | bc >> "$work/floor.counts"
  echo "$t3 - $t2" | bc >> "$work/floor.check"; echo "$t4 - $t3" | bc >> "$work/floor.drop"
  echo "$t5 - $t4" | bc >> "$work/floor.jvm"; echo "$t5 - $t0" | bc >> "$work/floor.sum"

  psql -d postgres -Xqc "DROP DATABASE IF EXISTS plan_restore WITH (FORCE)" -c "CREATE DATABASE plan_restore"
  t0=$(now); gunzip < "$work/plan.sql.gz" | psql -X -q -d plan_restore > /dev/null; t1=$(now)
  echo "$t1 - $t0" | bc >> "$work/floor.plan"
  psql -d postgres -Xqc "DROP DATABASE plan_restore WITH (FORCE)"
  printf 'round %d: floor %.1fs (restore %.1f, counts %.1f, check %.1f, drop %.1f, JVM %.1f), gunzip | psql %.1fs\n' "$i" \
    "$(tail -n1 "$work/floor.sum")" "$(tail -n1 "$work/floor.restore")" "$(tail -n1 "$work/floor.counts")" \
    "$(tail -n1 "$work/floor.check")" "$(tail -n1 "$work/floor.drop")" "$(tail -n1 "$work/floor.jvm")" \
    "$(tail -n1 "$work/floor.plan")"
done
echo
printf '%-62s %8s\n' "part (medians of $rounds)" "wall s"
for part in restore counts check drop jvm; do
  printf '%-62s %8.1f\n' "floor: $part" "$(median < "$work/floor.$part")"
done
f=$(median < "$work/floor.sum"); b=$(median < "$work/floor.plan")
printf '%-62s %8.1f\n' "floor: sum (per round)" "$f"
printf '%-62s %8.1f\n' "gunzip < dump.sql.gz | psql (the plan's restore)" "$b"
echo "floor / bare restore = $(echo "scale=2; $f / $b" | bc)"
