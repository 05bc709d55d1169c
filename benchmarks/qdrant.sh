#!/usr/bin/env bash
# Qdrant snapshot streaming benchmark: a 1 GiB collection snapshot from the server into local storage
# and back through datastore-qdrant, against curl moving the same bytes in the same run.
# The server is the in-JVM Qdrant double (datastore-qdrant test sources) in its own JVM; the measured
# JVM runs with -Xmx256m.
#
#   benchmarks/qdrant.sh                      1 GiB, 2 rounds (best of each is reported)
#   QDRANT_BENCH_BYTES=268435456 QDRANT_BENCH_ROUNDS=1 benchmarks/qdrant.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
trap 'stop_services; rm -rf "$WORK"' EXIT

SIZE=${QDRANT_BENCH_BYTES:-1073741824}
ROUNDS=${QDRANT_BENCH_ROUNDS:-2}
WORK=${QDRANT_BENCH_DIR:-$RUN_DIR/qdrant-bench}
command -v curl >/dev/null || die "curl is needed as the reference HTTP client (apt-get install curl)"

log "building benchmarks"
mvn -B -q -pl benchmarks -am package -DskipTests
CP="$(cat benchmarks/target/classpath.txt):benchmarks/target/classes"

rm -rf "$WORK"
mkdir -p "$WORK"
KEY="bench-$(date +%s)-$RANDOM"
log "starting the Qdrant double with a $SIZE-byte segment (log: $RUN_DIR/qdrant-double.log)"
java -Xmx1g -cp "$CP" io.maintenance.datastore.qdrant.testing.FakeQdrantMain \
  "$WORK/server" "$KEY" bench "$SIZE" "$WORK/ports" >"$RUN_DIR/qdrant-double.log" 2>&1 &
register_pid $!
for _ in $(seq 1 600); do
  [ -f "$WORK/ports" ] && break
  sleep 0.2
done
[ -f "$WORK/ports" ] || die "the Qdrant double did not start (log: $RUN_DIR/qdrant-double.log)"
# shellcheck disable=SC1091
source "$WORK/ports"

echo "machine load before: $(uptime)"
java -Xmx256m -cp "$CP" io.maintenance.benchmarks.qdrant.QdrantSnapshotBenchmark \
  "$REST_URL" "$GRPC_PORT" "$KEY" bench "$WORK/client" "$ROUNDS"
echo "machine load after: $(uptime)"
