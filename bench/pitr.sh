#!/usr/bin/env bash
# Point-in-time restore of the benchmark cluster (the local server: the 2.6 GB benchmark database, pgbench scale 10,
# the rest) to a point LOAD_SECONDS of pgbench WAL after its base backup, side by side, alternating, ROUNDS times:
#  drbatch  `drbatch restore bench --to-time T` from drbatch's base backup and WAL archive on the local S3 server
#           (download, verification against the manifests, extraction, WAL prefetched and verified, replay,
#           promotion; JVM start-up included);
#  peer     pgBackRest `restore --type=time --target=T --target-action=promote`, then the server started until it
#           promoted: its own full backup of the same cluster and the same WAL (archive-push of every segment
#           pg_receivewal received), in its repository on the same S3 server (over S3Mock's HTTPS connector: it
#           speaks S3 over TLS only), zst level 1, process-max 2, archive-get asynchronous (its fastest way to
#           fetch WAL for a restore);
#  floor    drbatch's base backup and the same WAL already on local disk (untimed: the stored object
#           downloaded, the segments as pg_receivewal wrote them): `zstd -d | tar -x`, the recovery settings,
#           restore_command `cp`, the server started until it promoted.
# Each restored cluster's pgbench_history count is printed: all three must agree (the same point).
# Goals: drbatch no slower than the peer and within 1.3 x the floor.
# Usage: bench/pitr.sh [rounds] (default 2); LOAD_SECONDS (default 180), CADENCE (wal-archive every, default 60).
# Needs the scram login of scripts/local-env.sh (replication) and Debian's pgbackrest (installed when missing).
set -euo pipefail
rounds=${1:-2}
load_seconds=${LOAD_SECONDS:-180}
cadence=${CADENCE:-60}
source "$(dirname "$0")/bench-env.sh"
command -v pgbackrest >/dev/null || { apt-get update -qq && apt-get install -y -qq pgbackrest >/dev/null; }
psql -d postgres -Xqc "DROP DATABASE IF EXISTS $repo_db WITH (FORCE)" -c "CREATE DATABASE $repo_db"
# a bucket of its own each run: an earlier run's archive of the same cluster would be a chain with a hole
bucket=drbatch-bench-pitr-$(date +%s)
export DRBATCH_TARGETS_0_BUCKET=$bucket
curl -s -o /dev/null -X PUT "http://127.0.0.1:9090/$bucket"

slot=drbatch_bench_pitr
recv_slot=drbatch_bench_pitr_recv
drop_slots() {
  psql -d postgres -XAtqc "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
    WHERE slot_name IN ('$slot', '$recv_slot') AND NOT active" >/dev/null
}
drop_slots
export DRBATCH_SOURCES_0_USERNAME=${DRBATCH_SCRAM_ROLE:-drbatch_scram}
export BENCH_SCRAM_PASSWORD=${DRBATCH_SCRAM_PASSWORD:-drbatch-Scram-7c41e9}
export DRBATCH_SOURCES_0_PASSWORD_ENV=BENCH_SCRAM_PASSWORD DRBATCH_SOURCES_0_PITR_ENABLED=true \
  DRBATCH_SOURCES_0_PITR_SLOT=$slot

pitr=$work/pitr
stop_server() { [ -f "$1/postmaster.pid" ] && runuser -u postgres -- pg_ctl -D "$1" -m immediate -w stop >/dev/null 2>&1 || true; }
cleanup() {
  for d in "$pitr"/restored-*; do [ -d "$d" ] && stop_server "$d"; done
  [ -n "${recv_pid:-}" ] && kill "$recv_pid" 2>/dev/null || true
  rm -rf "$pitr"/restored-*
}
trap cleanup EXIT
rm -rf "$pitr"; mkdir -p "$pitr/wal" "$pitr/pgbackrest/log" "$pitr/pgbackrest/spool"
chown -R postgres:postgres "$pitr"
bindir=$(pg_config --bindir)
export PATH="$bindir:$PATH"

echo "== setup (untimed): WAL received locally, drbatch's archive and base backup, pgBackRest's full backup"
runuser -u postgres -- pg_receivewal -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" --slot "$recv_slot" --create-slot \
  --if-not-exists -D "$pitr/wal" >/dev/null 2>&1
runuser -u postgres -- pg_receivewal -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" --slot "$recv_slot" -D "$pitr/wal" \
  --no-loop > "$pitr/pg_receivewal.log" 2>&1 &
recv_pid=$!
bin/drbatch run wal-archive database=bench > "$pitr/wal0.log" 2>&1 || { cat "$pitr/wal0.log"; exit 1; }
bin/drbatch run base-backup database=bench backup.date=2001-01-01 > "$pitr/base.log" 2>&1 \
  || { cat "$pitr/base.log"; exit 1; }

pgbr_bucket=drbatch-bench-pitr-pgbr-$(date +%s)
pgbackrest_conf "$pitr/pgbackrest" "$pgbr_bucket" archive-async=y
pgbr_conf=$pitr/pgbackrest/pgbackrest.conf
pgbr() { runuser -u postgres -- pgbackrest --config="$pgbr_conf" --stanza=bench "$@"; }
pgbr stanza-create >/dev/null
pgbr backup --type=full >/dev/null

echo "== pgbench -c 2 for ${load_seconds}s, wal-archive every ${cadence}s; the target: ${load_seconds}s - 15s in"
pgbench -i -s 10 -q drbatch_bench_pgbench >/dev/null 2>&1 || { createdb drbatch_bench_pgbench; pgbench -i -s 10 -q drbatch_bench_pgbench >/dev/null 2>&1; }
load_start=$(date +%s)
start_lsn=$(psql -d postgres -XAtc "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
pgbench -T "$load_seconds" -c 2 -n drbatch_bench_pgbench > "$pitr/pgbench.log" 2>&1 &
load=$!
run=0
while kill -0 "$load" 2>/dev/null; do
  sleep "$cadence"
  run=$((run + 1))
  bin/drbatch run wal-archive database=bench > "$pitr/wal$run.log" 2>&1 || { cat "$pitr/wal$run.log"; kill "$load"; exit 1; }
done
wait "$load" || true
target=$(date -u -d "@$((load_start + load_seconds - 15))" +%Y-%m-%dT%H:%M:%SZ)
target_pg=$(date -u -d "@$((load_start + load_seconds - 15))" '+%Y-%m-%d %H:%M:%S+00')   # the same, as PostgreSQL and pgBackRest read it
end_lsn=$(psql -d postgres -XAtc "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
last_segment=$(psql -d postgres -XAtc "SELECT pg_walfile_name(pg_current_wal_lsn())")
bin/drbatch run wal-archive database=bench > "$pitr/wal-last.log" 2>&1 || { cat "$pitr/wal-last.log"; exit 1; }
# wal-archive switched segments: pg_receivewal completes the load's last segment on local disk
for _ in $(seq 1 120); do [ -f "$pitr/wal/$last_segment" ] && break; sleep 1; done
[ -f "$pitr/wal/$last_segment" ] || { echo "pg_receivewal did not complete $last_segment"; exit 1; }
kill "$recv_pid"; wait "$recv_pid" 2>/dev/null || true; recv_pid=
rm -f "$pitr"/wal/*.partial
segments=$(ls "$pitr/wal" | grep -c '^[0-9A-F]\{24\}$')
# pushed one at a time, synchronously (asynchronous pushing reads only from the cluster's own pg_wal)
for f in $(ls "$pitr/wal" | grep '^[0-9A-F]\{24\}$' | sort); do pgbr archive-push --no-archive-async "$pitr/wal/$f" >/dev/null; done
echo "WAL written during the load: $(echo "scale=1; ($end_lsn - $start_lsn) / 1048576" | bc) MB; $segments segments" \
  "received locally and pushed to pgBackRest; target $target"

# the floor's base backup: drbatch's stored object, downloaded once
python3 - "$bucket" "$pitr/base.tar.zst" <<'PY'
import json, sys, urllib.request, xml.etree.ElementTree as ET
bucket, out = sys.argv[1], sys.argv[2]
base = "http://127.0.0.1:9090/" + bucket
keys, token = [], None
while True:
    url = base + "?list-type=2" + ("&continuation-token=" + urllib.parse.quote(token) if token else "")
    root = ET.fromstring(urllib.request.urlopen(url).read())
    ns = {"s": root.tag.split("}")[0].strip("{")}
    keys += [c.find("s:Key", ns).text for c in root.findall("s:Contents", ns)]
    nxt = root.find("s:NextContinuationToken", ns)
    if nxt is None:
        break
    token = nxt.text
manifests = [json.load(urllib.request.urlopen(base + "/" + k)) for k in keys if k.endswith("manifest.json")]
bases = [m for m in manifests if "tarBytes" in m]
newest = max(bases, key=lambda m: m["startTime"])
with urllib.request.urlopen(base + "/" + newest["objects"][0]["key"]) as src, open(out, "wb") as dst:
    while chunk := src.read(1 << 20):
        dst.write(chunk)
PY
chown postgres:postgres "$pitr/base.tar.zst"

port_of() { case $1 in drbatch) echo 6541 ;; peer) echo 6542 ;; floor) echo 6543 ;; esac; }
for tool in drbatch peer floor; do
  ! ss -ltnH "sport = :$(port_of $tool)" | grep -q . || { echo "port $(port_of $tool) is in use"; exit 1; }
done
# settings the restored cluster needs beside what each tool writes: Debian keeps postgresql.conf and pg_hba.conf
# outside the data directory; loopback only, no archiving
local_settings() {
  printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\narchive_mode = off\n" "$2" \
    >> "$1/postgresql.auto.conf"
  [ -f "$1/postgresql.conf" ] || : > "$1/postgresql.conf"
  [ -f "$1/pg_hba.conf" ] || echo "host all all 127.0.0.1/32 trust" > "$1/pg_hba.conf"
  [ -f "$1/pg_ident.conf" ] || : > "$1/pg_ident.conf"
  chown postgres:postgres "$1"/postgresql.conf "$1"/pg_hba.conf "$1"/pg_ident.conf "$1"/postgresql.auto.conf
}
start_and_await_promotion() {
  runuser -u postgres -- pg_ctl -D "$1" -l "$1.log" start >/dev/null
  until [ "$(psql -h 127.0.0.1 -p "$2" -d postgres -XAtc "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; do
    runuser -u postgres -- pg_ctl -D "$1" status >/dev/null || { tail -20 "$1.log"; exit 1; }
    sleep 0.1
  done
}
restore_drbatch() {
  bin/drbatch restore bench --to-time "$target" --data-dir "$1" --port "$2" > "$pitr/drbatch-restore.log" 2>&1 \
    || { cat "$pitr/drbatch-restore.log"; exit 1; }
}
restore_peer() {
  mkdir -p "$1"; chown postgres:postgres "$1"; chmod 700 "$1"
  pgbr restore --pg1-path="$1" --type=time --target="$target_pg" --target-action=promote >/dev/null
  local_settings "$1" "$2"
  start_and_await_promotion "$1" "$2"
}
restore_floor() {
  mkdir -p "$1"; chown postgres:postgres "$1"; chmod 700 "$1"
  runuser -u postgres -- sh -c "zstd -qdc '$pitr/base.tar.zst' | tar -x -C '$1'"
  rm -f "$1/postmaster.pid" "$1/standby.signal"
  printf "restore_command = 'cp \"%s/%%f\" \"%%p\"'\nrecovery_target_time = '%s'\nrecovery_target_action = 'promote'\n" \
    "$pitr/wal" "$target_pg" >> "$1/postgresql.auto.conf"
  : > "$1/recovery.signal"; chown postgres:postgres "$1/recovery.signal"
  local_settings "$1" "$2"
  start_and_await_promotion "$1" "$2"
}

echo
printf '%-6s %-8s %8s %16s\n' round tool "wall s" "pgbench_history"
for tool in drbatch peer floor; do : > "$work/pitr-$tool.t"; done
for i in $(seq 1 "$rounds"); do
  order="drbatch peer floor"; [ $((i % 2)) = 0 ] && order="floor peer drbatch"
  for tool in $order; do
    dir=$pitr/restored-$tool; port=$(port_of "$tool")
    rm -rf "$dir" "$dir.wal" "$dir.log"
    t0=$(now); "restore_$tool" "$dir" "$port"; t1=$(now)
    echo "$t1 - $t0" | bc >> "$work/pitr-$tool.t"
    rows=$(PGPASSWORD=$BENCH_SCRAM_PASSWORD psql -h 127.0.0.1 -p "$port" -U "$DRBATCH_SOURCES_0_USERNAME" \
      -d drbatch_bench_pgbench -XAtc "SELECT count(*) FROM pgbench_history")
    echo "$rows" > "$pitr/rows-$tool"
    printf '%-6s %-8s %8.1f %16s\n' "$i" "$tool" "$(tail -n1 "$work/pitr-$tool.t")" "$rows"
    stop_server "$dir"; rm -rf "$dir" "$dir.wal"
  done
  [ "$(cat "$pitr"/rows-* | sort -u | wc -l)" = 1 ] || { echo "the three restores reached different points"; exit 1; }
done
grep -E "RTO|recovered|promoted" "$pitr/drbatch-restore.log" | sed 's/^/drbatch (last round): /' | head -5
d=$(median < "$work/pitr-drbatch.t"); p=$(median < "$work/pitr-peer.t"); f=$(median < "$work/pitr-floor.t")
echo
printf '%-62s %8s\n' "restore to $target (medians of $rounds)" "wall s"
printf '%-62s %8.1f\n' "drbatch restore --to-time (S3, verified, JVM start-up included)" "$d"
printf '%-62s %8.1f\n' "pgBackRest restore --type=time + server until promoted (S3)" "$p"
printf '%-62s %8.1f\n' "floor: local zstd -d | tar -x + replay from local WAL" "$f"
echo "drbatch / pgBackRest = $(echo "scale=2; $d / $p" | bc) (goal <= 1)   drbatch / floor = $(echo "scale=2; $d / $f" | bc) (goal <= 1.3)"
ok=1
[ "$(echo "$d <= $p" | bc)" = 1 ] || ok=0
[ "$(echo "$d <= 1.3 * $f" | bc)" = 1 ] || ok=0
if [ $ok = 1 ]; then echo "goals: MET"; else echo "goals: MISSED"; fi
drop_slots
