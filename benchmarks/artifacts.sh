#!/usr/bin/env bash
# Benchmark of the engine's artifact pipeline (issue 15), each side in the same run, the JVM capped at -Xmx256m:
#   1. pipeline: a 1 GiB table-dump-like stream, compress (zstd -3) -> [encrypt] -> SHA-256 -> fsynced local
#      storage, against `zstd -3 | tee >(sha256sum) > file && sync` on the same file;
#   2. pgbench -i -s ${SCALE:-20}: PostgresDatastore through the engine's codec (zstd; zstd + envelope encryption)
#      against pg_dump -Fc (default compression) for stored bytes and backup time, and pg_restore for restore time.
#
#   benchmarks/artifacts.sh                 (ROUNDS=3 SCALE=20 BYTES=1073741824 by default)
#   PHASES=pipeline benchmarks/artifacts.sh (only the pipeline; PHASES="pg-backup pg-restore" only pgbench)
#
# Needs the zstd CLI (apt-get install zstd) and Debian's PostgreSQL 15 (installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
trap stop_services EXIT

SCALE=${SCALE:-20}
PHASES=${PHASES:-pipeline pg-backup pg-restore}
export BENCH_ROUNDS=${ROUNDS:-3}
export BENCH_BYTES=${BYTES:-1073741824}
command -v zstd >/dev/null || { log "installing zstd with apt-get"; apt-get update -qq; apt-get install -y -qq zstd >/dev/null; }

export BENCH_DIR="$RUN_DIR/artifacts-bench"
if [[ " $PHASES " == *" pg-"* ]]; then
  source benchmarks/lib/pgbench-server.sh
else
  rm -rf "$BENCH_DIR" && mkdir -p "$BENCH_DIR"
fi

log "building"
mvn -B -q -pl benchmarks -am package -DskipTests
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"

echo "== machine: $(nproc) cores, $(zstd --version | head -1), uptime: $(uptime)"
for phase in $PHASES; do
  java -Xmx256m -cp "$CP" io.maintenance.benchmarks.artifacts.ArtifactsBenchmark "$phase"
done
