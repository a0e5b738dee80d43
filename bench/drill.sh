#!/usr/bin/env bash
# Benchmark of restore-drill against the plan's bare restore, in one run, alternating:
#   A  drbatch restore-drill: download + verify, pg_restore -j into a scratch database, row counts, checks, drop
#   B  gunzip < dump.sql.gz | psql into a new database (the plan's restore alone: no verification at all)
# Goal: A no slower than B. Usage: bench/drill.sh [rounds] (default 3). Needs the benchmark database
# (bench/create-bench-db.sh, run by bench/dump.sh) and the built jar.
set -euo pipefail
rounds=${1:-3}
source "$(dirname "$0")/bench-env.sh"
psql -d postgres -XAtc "select 1 from pg_database where datname = '$repo_db'" | grep -q 1 || psql -d postgres -Xqc "CREATE DATABASE $repo_db"
# replaces the built-in demo checks (they name omnihub_demo's tables) with one check on the benchmark database
export DRBATCH_DRILL_CHECKS_0_NAME=bench-has-accounts DRBATCH_DRILL_CHECKS_0_SQL="SELECT count(*) > 0 FROM pgbench_accounts"

stamp=$(date -u +%Y%m%d%H%M%S)
echo "bench: a fresh daily-dump of $db to drill"
bin/drbatch run daily-dump database=bench "backup.date=$(date -u -d "1990-01-01 + $((10#${stamp:8:6} % 9000)) days" +%F)" >"$work/drill-dump.log" 2>&1 \
  || grep -q "already completed" "$work/drill-dump.log" || { cat "$work/drill-dump.log"; exit 1; }
echo "bench: the plan's dump (pg_dump | gzip), once, untimed"
pg_dump -d "$db" | gzip -1 > "$work/plan.sql.gz"

: > "$work/drill.t"; : > "$work/plan.t"
for i in $(seq 1 "$rounds"); do
  t0=$(now)
  # a new drill date per round and per benchmark run: each is its own job instance
  drill_date=$(date -u -d "1900-01-01 + $(( (RANDOM * 32768 + RANDOM) % 40000 )) days" +%F)
  bin/drbatch run restore-drill database=bench "drill.date=$drill_date" > "$work/drill.log" 2>&1 || true
  t1=$(now)
  grep -q "Restore drill PASSED" "$work/drill.log" || { echo "drill did not pass:"; tail -20 "$work/drill.log"; exit 1; }
  echo "$t1 - $t0" | bc >> "$work/drill.t"

  psql -d postgres -Xqc "DROP DATABASE IF EXISTS plan_restore WITH (FORCE)" -c "CREATE DATABASE plan_restore"
  t0=$(now); gunzip < "$work/plan.sql.gz" | psql -X -q -d plan_restore > /dev/null; t1=$(now)
  echo "$t1 - $t0" | bc >> "$work/plan.t"
  psql -d postgres -Xqc "DROP DATABASE plan_restore WITH (FORCE)"
  printf 'round %d: restore-drill %.1fs, gunzip | psql %.1fs\n' "$i" "$(tail -n1 "$work/drill.t")" "$(tail -n1 "$work/plan.t")"
done
a=$(median < "$work/drill.t"); b=$(median < "$work/plan.t")
echo
grep -E "phases|RTO" "$work/drill.log" | sed 's/^/last drill: /'
printf '%-58s %8s\n' "command (medians of $rounds)" "wall s"
printf '%-58s %8.1f\n' "drbatch restore-drill (download, verify, restore, counts, drop)" "$a"
printf '%-58s %8.1f\n' "gunzip < dump.sql.gz | psql (restore only)" "$b"
ratio=$(echo "scale=2; $a / $b" | bc)
echo "restore-drill / bare restore = $ratio (goal <= 1.0)"
if [ "$(echo "$ratio <= 1.0" | bc)" = 1 ]; then echo "goal: MET"; else echo "goal: MISSED"; fi
