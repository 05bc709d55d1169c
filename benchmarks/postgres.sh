#!/usr/bin/env bash
# Benchmark of datastore-postgres against pg_dump and pg_restore (issues 3 and 9), same server, same
# data (pgbench -i -s ${SCALE:-20}), same run; the datastore runs in JVMs capped at -Xmx256m:
#   backup jobs=1 vs pg_dump -Fc -Z0, backup jobs=2 vs pg_dump -Fd -Z0 -j 2,
#   restore jobs=1 vs pg_restore, restore jobs=2 vs pg_restore -j 2 (into fresh databases).
# Each phase first runs WARMUP (1) uncounted rounds of both tools: a host service's JVM is warm after its
# first backup; ROUNDS (3) rounds are counted.
#
#   benchmarks/postgres.sh            (SCALE=20 ROUNDS=3 WARMUP=1 by default)
#   PHASES="backup 1,backup 2" benchmarks/postgres.sh    (only these phases; restore N needs backup 1 first)
#   BENCH_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/b.jfr" ...   (extra JVM options, e.g. a JFR recording)
#
# Uses Debian's PostgreSQL 15 (server and tools), installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
trap stop_services EXIT

SCALE=${SCALE:-20}
export BENCH_ROUNDS=${ROUNDS:-3} BENCH_WARMUP=${WARMUP:-1}
export BENCH_DIR="$RUN_DIR/pg-bench"
source benchmarks/lib/pgbench-server.sh

log "building"
mvn -B -q -pl benchmarks -am package -DskipTests
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"

echo "== machine: $(nproc) cores, uptime: $(uptime)"
IFS=, read -r -a RUNS <<< "${PHASES:-backup 1,backup 2,restore 1,restore 2}"
for run in "${RUNS[@]}"; do
  # shellcheck disable=SC2086
  java -Xmx256m ${BENCH_JAVA_OPTS:-} -cp "$CP" io.maintenance.benchmarks.postgres.PostgresBenchmark $run
done
