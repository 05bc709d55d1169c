#!/usr/bin/env bash
# FalkorDB backup/restore benchmark: a graph of NODES nodes and 2*NODES edges with mixed properties
# (default 1,000,000 / 2,000,000), backed up and restored by datastore-falkordb with the JVM heap capped
# at 256 MiB, compared in the same run with GRAPH.COPY of the graph and `redis-cli --rdb` of the server.
#
#   benchmarks/falkordb.sh [NODES]
#   BENCH_JAVA_OPTS="-Dbench.batchSize=5000 -Dbench.readBatchSize=20000" benchmarks/falkordb.sh   (tuning)
#
# Provisions FalkorDB with scripts/services/falkordb.sh, installs redis-cli (Debian redis-tools) if
# missing, builds the benchmarks module, prints a table with absolute numbers, ratios and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
NODES="${1:-1000000}"
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
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
TIMER=()
[ -x /usr/bin/time ] && TIMER=(/usr/bin/time -v -o "$WORK/time.txt")
"${TIMER[@]}" java -Xmx256m -XX:+UseSerialGC ${BENCH_JAVA_OPTS:-} -Djava.io.tmpdir="$WORK" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.maintenance.benchmarks.falkordb.FalkorDbBenchmark "$MAINTENANCE_IT_FALKORDB_URL" "$NODES" "$WORK" "$(command -v redis-cli)"
if [ -f "$WORK/time.txt" ]; then
  echo "whole JVM run (generation included): $(grep -E 'Maximum resident' "$WORK/time.txt" | sed 's/^\s*//'), wall $(grep -E 'Elapsed' "$WORK/time.txt" | sed 's/.*: //')"
fi
port="${MAINTENANCE_IT_FALKORDB_URL##*:}"
echo "redis-server memory: $(redis-cli -p "$port" INFO memory | grep -E '^used_memory_peak_human' | tr -d '\r')"
