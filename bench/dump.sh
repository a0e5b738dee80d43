#!/usr/bin/env bash
# Benchmark of daily-dump against the plan's pipeline, in one run, alternating:
#   A  drbatch daily-dump -> local S3 server (zstd, multipart)         (JVM peak RSS from /usr/bin/time)
#   B  pg_dump -Fc -Z0 > /dev/null                                      (the dump floor: one server backend)
#   C  pg_dump | gzip > file                                            (the plan's pipeline)
# Prints medians, wall-time ratios, output sizes and drbatch's peak RSS, and whether the goals are met:
# A <= 1.3 x B, A <= 0.5 x C, A's output <= C's, peak RSS <= 300 MB.
# Usage: bench/dump.sh [rounds]   (default 3). Needs scripts/local-env.sh up and the built jar.
set -euo pipefail
rounds=${1:-3}
source "$(dirname "$0")/bench-env.sh"
# a fresh job repository: the same dates are used again in every benchmark run
psql -d postgres -Xqc "DROP DATABASE IF EXISTS $repo_db WITH (FORCE)" -c "CREATE DATABASE $repo_db"
: > "$work/a.t"; : > "$work/b.t"; : > "$work/c.t"; : > "$work/a.rss"; : > "$work/a.size"; : > "$work/c.size"

for i in $(seq 1 "$rounds"); do
  date_param=$(date -u -d "2001-01-01 + $i days" +%F)
  t0=$(now)
  /usr/bin/time -f '%M' -o "$work/rss" bin/drbatch run daily-dump database=bench "backup.date=$date_param" > "$work/a.log" 2>&1 \
    || { cat "$work/a.log"; exit 1; }
  t1=$(now); echo "$t1 - $t0" | bc >> "$work/a.t"; cat "$work/rss" >> "$work/a.rss"
  # newest backup first: line 3 of the listing, column STORED
  bin/drbatch backups bench --format tsv 2>/dev/null | column_of stored_bytes | head -1 >> "$work/a.size"

  t0=$(now); pg_dump -Fc -Z0 -d "$db" > /dev/null; t1=$(now); echo "$t1 - $t0" | bc >> "$work/b.t"

  t0=$(now); pg_dump -d "$db" | gzip > "$work/plain.sql.gz"; t1=$(now); echo "$t1 - $t0" | bc >> "$work/c.t"
  stat -c %s "$work/plain.sql.gz" >> "$work/c.size"; rm -f "$work/plain.sql.gz"
  printf 'round %d: daily-dump %.1fs (RSS %d MB), pg_dump -Fc -Z0 %.1fs, pg_dump|gzip %.1fs\n' "$i" \
    "$(tail -n1 "$work/a.t")" "$(( $(tail -n1 "$work/a.rss") / 1024 ))" "$(tail -n1 "$work/b.t")" "$(tail -n1 "$work/c.t")"
done

a=$(median < "$work/a.t"); b=$(median < "$work/b.t"); c=$(median < "$work/c.t")
rss=$(sort -n "$work/a.rss" | tail -n1); asize=$(median < "$work/a.size"); csize=$(median < "$work/c.size")
asize=${asize%.*}; csize=${csize%.*}
ratio_floor=$(echo "scale=2; $a / $b" | bc); ratio_gzip=$(echo "scale=2; $a / $c" | bc)
echo
echo "database $db: $(psql -d "$db" -XAtc "select pg_size_pretty(pg_database_size('$db'))"), $rounds rounds, medians"
printf '%-34s %8s %12s\n' "command" "wall s" "output MB"
printf '%-34s %8.1f %12.1f\n' "drbatch daily-dump (zstd -> S3)" "$a" "$(echo "$asize / 1000000" | bc -l)"
printf '%-34s %8.1f %12s\n' "pg_dump -Fc -Z0 > /dev/null" "$b" "-"
printf '%-34s %8.1f %12.1f\n' "pg_dump | gzip > file" "$c" "$(echo "$csize / 1000000" | bc -l)"
echo "daily-dump / floor = $ratio_floor (goal <= 1.3)   daily-dump / gzip pipeline = $ratio_gzip (goal <= 0.5)"
echo "output: daily-dump $asize bytes vs gzip pipeline $csize bytes (goal: not larger)   JVM peak RSS $((rss / 1024)) MB (goal <= 300)"
ok=1
[ "$(echo "$ratio_floor <= 1.3" | bc)" = 1 ] || ok=0
[ "$(echo "$ratio_gzip <= 0.5" | bc)" = 1 ] || ok=0
[ "$asize" -le "$csize" ] || ok=0
[ "$rss" -le $((300 * 1024)) ] || ok=0
if [ $ok = 1 ]; then echo "goals: MET"; else echo "goals: MISSED"; fi
