#!/usr/bin/env bash
# Creates (or reuses) the benchmark database of PLATFORM-NOTES: pgbench scale 130 + 1M jsonb documents +
# 1.5M text/bytea rows, about 3 GB. Reused when its marker table says it is complete.
set -euo pipefail
db=${BENCH_DB:-drbatch_bench}
scale=${BENCH_SCALE:-130}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

if [ "$(psql -d postgres -XAtc "select count(*) from pg_database where datname = '$db'")" = 1 ] &&
   [ "$(psql -d "$db" -XAtc "select count(*) from pg_tables where tablename = 'bench_complete'")" = 1 ]; then
  echo "bench: reusing database $db ($(psql -d "$db" -XAtc "select pg_size_pretty(pg_database_size('$db'))"))"
  exit 0
fi
psql -d postgres -Xqc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
psql -d postgres -Xqc "CREATE DATABASE $db"
echo "bench: pgbench -i -s $scale (a few minutes)"
pgbench -i -q -s "$scale" "$db"
echo "bench: 1M jsonb documents and 1.5M text/bytea rows"
psql -d "$db" -X -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT setseed(0.5);
CREATE TABLE documents AS
SELECT g AS id,
       jsonb_build_object('customer', 'c-' || (g % 50000), 'status', (ARRAY['new','paid','shipped','returned'])[1 + g % 4],
                          'items', jsonb_build_array(jsonb_build_object('sku', 'sku-' || (g % 997), 'qty', 1 + g % 5),
                                                     jsonb_build_object('sku', 'sku-' || (g % 991), 'qty', 1 + g % 3)),
                          'note', md5(g::text), 'created', now() - (g || ' seconds')::interval) AS doc
FROM generate_series(1, 1000000) g;
ALTER TABLE documents ADD PRIMARY KEY (id);
CREATE TABLE attachments AS
SELECT g AS id, 'attachment ' || g || ' ' || repeat(md5((g % 1000)::text), 4) AS body,
       sha256(g::text::bytea) || sha256((g * 7)::text::bytea) AS blob
FROM generate_series(1, 1500000) g;
ALTER TABLE attachments ADD PRIMARY KEY (id);
VACUUM ANALYZE;
CREATE TABLE bench_complete (created timestamptz DEFAULT now());
INSERT INTO bench_complete DEFAULT VALUES;
SQL
echo "bench: database $db ready ($(psql -d "$db" -XAtc "select pg_size_pretty(pg_database_size('$db'))"))"
