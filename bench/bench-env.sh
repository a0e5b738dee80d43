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
