#!/usr/bin/env bash
# storage-gcs against the client library's Storage.createFrom / Blob.downloadTo on fake-gcs-server,
# in the same run, heap capped at 256 MiB.
#
#   benchmarks/gcs.sh                 2 GiB in 64 MiB chunks
#
# fake-gcs-server keeps an upload in memory and re-hashes everything received on every chunk, so
# chunked uploads cost it O(size^2 / chunk) and a 2 GiB run needs ~15 GiB of free memory for it.
#   GCS_BENCH_SIZE=536870912 GCS_BENCH_CHUNK=33554432 benchmarks/gcs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
source scripts/services/gcs.sh
trap stop_services EXIT

start_gcs
mvn -B -q -pl benchmarks -am package -DskipTests
echo "machine: $(nproc) cores; uptime:$(uptime)"
java -Xmx256m -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.maintenance.benchmarks.gcs.GcsBenchmark "$MAINTENANCE_IT_GCS_ENDPOINT" "$MAINTENANCE_IT_GCS_BUCKET" \
  "${GCS_BENCH_SIZE:-2147483648}" "${GCS_BENCH_CHUNK:-67108864}" "${GCS_BENCH_DIR:-benchmarks/target/gcs-bench}"
