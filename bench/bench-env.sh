# Sourced by the benchmark scripts: the local environment, the benchmark database, its own job repository
# database and bucket, and drbatch configured for them through environment variables.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
db=${BENCH_DB:-drbatch_bench}
repo_db=drbatch_bench_repo
bucket=drbatch-bench
work=$root/bench/.work
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

scripts/local-env.sh up >/dev/null
bench/create-bench-db.sh
[ -f scheduler/target/drbatch.jar ] || mvn -B -q -DskipTests install
bin/drbatch warmup >/dev/null 2>&1 || true   # extracts the jar and records the CDS archive outside the timed runs
mkdir -p "$work"
curl -s -o /dev/null -X PUT "http://127.0.0.1:9090/$bucket"

export SPRING_DATASOURCE_URL="jdbc:postgresql://$PGHOST:$PGPORT/$repo_db" SPRING_DATASOURCE_USERNAME=$PGUSER
export DRBATCH_SOURCES_0_NAME=bench DRBATCH_SOURCES_0_DATABASE=$db DRBATCH_SOURCES_0_HOST=$PGHOST \
  DRBATCH_SOURCES_0_PORT=$PGPORT DRBATCH_SOURCES_0_USERNAME=$PGUSER
export DRBATCH_TARGETS_0_NAME=primary DRBATCH_TARGETS_0_ENDPOINT=http://127.0.0.1:9090 DRBATCH_TARGETS_0_BUCKET=$bucket \
  DRBATCH_TARGETS_0_PATH_STYLE=true DRBATCH_TARGETS_0_ACCESS_KEY_ID=bench DRBATCH_TARGETS_0_SECRET_ACCESS_KEY=bench

now() { date +%s.%N; }
# the median of the numbers on standard input (the mean of the middle two for an even count), never in e-notation
# the values of one named column of a `drbatch ... --format tsv` listing, one per row
column_of() { awk -F'\t' -v name="$1" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == name) c = i; next} c {print $c}'; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Writes a pgBackRest configuration for the local cluster to <dir>/pgbackrest.conf, owned by postgres, with its
# repository in <bucket> on the local S3 server (created here), logs and spool under <dir>; further lines of the
# [global] section come as arguments. pgBackRest speaks S3 over TLS only: the local S3 server's HTTPS connector (a
# random port, self-signed) is the one beside its HTTP port 9090, so both tools write to the same server.
pgbackrest_conf() {
  local dir=$1 bucket=$2; shift 2
  local data_dir s3_pid tls_port
  data_dir=$(psql -d postgres -XAtc "show data_directory")
  s3_pid=$(cat .local/s3mock-9090.pid)
  tls_port=$(ss -ltnpH | grep "pid=$s3_pid," | awk '{print $4}' | sed 's/.*://' | grep -vx 9090 | head -1)
  mkdir -p "$dir/log" "$dir/spool"
  curl -s -o /dev/null -X PUT "http://127.0.0.1:9090/$bucket"
  {
    printf '%s\n' "[bench]" "pg1-path=$data_dir" "pg1-socket-path=/var/run/postgresql" "[global]" "repo1-type=s3" \
      "repo1-path=/repo" "repo1-s3-bucket=$bucket" "repo1-s3-endpoint=127.0.0.1" "repo1-storage-port=$tls_port" \
      "repo1-storage-verify-tls=n" "repo1-s3-uri-style=path" "repo1-s3-region=us-east-1" "repo1-s3-key=bench" \
      "repo1-s3-key-secret=bench" "repo1-retention-full=1" "repo1-bundle=y" "log-path=$dir/log" \
      "spool-path=$dir/spool" "lock-path=$dir/spool" "compress-type=zst" "compress-level=1" "process-max=2" \
      "start-fast=y" "archive-check=n"
    [ $# -eq 0 ] || printf '%s\n' "$@"
  } > "$dir/pgbackrest.conf"
  chown -R postgres:postgres "$dir"
}
