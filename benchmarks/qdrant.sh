#!/usr/bin/env bash
# Qdrant backup/restore benchmark against a real Qdrant: a collection with 1 GiB of vectors is backed up
# through datastore-qdrant into local storage and restored, and the same work is done with curl
# (snapshot, download, sha256sum; upload) in the same run. The measured JVM runs with -Xmx256m.
# The server is the binary QDRANT_BIN names (see scripts/services/qdrant.sh), started on 127.0.0.1.
#
#   QDRANT_BIN=/path/to/qdrant benchmarks/qdrant.sh               1 GiB, 3 rounds (best and median)
#   QDRANT_BENCH_BYTES=268435456 QDRANT_BENCH_ROUNDS=1 QDRANT_BIN=... benchmarks/qdrant.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
source scripts/services/s3.sh
source scripts/services/qdrant.sh
trap 'stop_services; rm -rf "$WORK" "${QDRANT_NODE_DIR:-}"' EXIT

SIZE=${QDRANT_BENCH_BYTES:-1073741824}
ROUNDS=${QDRANT_BENCH_ROUNDS:-3}
WORK=${QDRANT_BENCH_DIR:-$RUN_DIR/qdrant-bench}
command -v curl >/dev/null || die "curl is needed as the reference HTTP client (apt-get install curl)"

log "building benchmarks"
mvn -B -q -ntp -pl benchmarks -am package -DskipTests
CP="$(cat benchmarks/target/classpath.txt):benchmarks/target/classes"

rm -rf "$WORK"
mkdir -p "$WORK"
start_qdrant_single
log "loading $SIZE bytes of vectors into Qdrant at $MAINTENANCE_IT_QDRANT_URL"
java -Xmx512m -cp "$CP" io.maintenance.benchmarks.qdrant.QdrantSnapshotBenchmark load "$MAINTENANCE_IT_QDRANT_URL" \
  "$MAINTENANCE_IT_QDRANT_GRPC_PORT" "$MAINTENANCE_IT_QDRANT_API_KEY" bench "$SIZE"

echo "machine load before: $(uptime)"
java -Xmx256m -cp "$CP" io.maintenance.benchmarks.qdrant.QdrantSnapshotBenchmark run "$MAINTENANCE_IT_QDRANT_URL" \
  "$MAINTENANCE_IT_QDRANT_GRPC_PORT" "$MAINTENANCE_IT_QDRANT_API_KEY" bench "$WORK/client" "$ROUNDS"
echo "machine load after: $(uptime)"
