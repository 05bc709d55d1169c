#!/usr/bin/env bash
# Benchmark of datastore-postgres against pg_dump -Fc -Z0 and pg_restore (issue 3), same server, same
# data (pgbench -i -s ${SCALE:-20}), same run; the datastore runs in a JVM capped at -Xmx256m.
#
#   benchmarks/postgres.sh            (SCALE=20 ROUNDS=3 by default)
#
# Uses Debian's PostgreSQL 15 (server and tools), installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
trap stop_services EXIT

SCALE=${SCALE:-20}
export BENCH_ROUNDS=${ROUNDS:-3}
export BENCH_DIR="$RUN_DIR/pg-bench"
source benchmarks/lib/pgbench-server.sh

log "building"
mvn -B -q -pl benchmarks -am package -DskipTests
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"

echo "== machine: $(nproc) cores, uptime: $(uptime)"
for phase in backup restore; do
  java -Xmx256m -cp "$CP" io.maintenance.benchmarks.postgres.PostgresBenchmark "$phase"
done
