#!/usr/bin/env bash
# Benchmark of the s3 storage provider against the AWS SDK's S3 Transfer Manager, in the same run: upload and
# download of the same file (2 GiB by default) to a local S3 server (versitygw, posix backend, on 127.0.0.1),
# each tool in its own JVM with -Xmx256m, alternating order over several rounds. Prints absolute throughput,
# the library/Transfer-Manager ratio (target >= 0.9), and each JVM's peak RSS (VmHWM).
#
#   benchmarks/s3.sh                       2 GiB, 2 rounds
#   S3_BENCH_BYTES=536870912 S3_BENCH_ROUNDS=1 benchmarks/s3.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
source scripts/services/s3.sh

BYTES="${S3_BENCH_BYTES:-2147483648}"
ROUNDS="${S3_BENCH_ROUNDS:-2}"
WORK="$RUN_DIR/s3-bench"

cleanup() {
  stop_services
  rm -rf "$WORK"
}
trap cleanup EXIT

log "building the benchmarks module"
mvn -B -q -ntp -pl benchmarks -am package -DskipTests
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
MAIN=io.maintenance.benchmarks.s3.S3TransferBenchmark

start_versitygw
mkdir -p "$WORK"
FILE="$WORK/source.bin"
log "writing $BYTES bytes of test data"
SHA=$(java -Xmx256m -cp "$CP" "$MAIN" prepare "$FILE" "$BYTES")

RESULTS="$WORK/results.txt"
: >"$RESULTS"
echo "machine: $(nproc) cores; load before: $(uptime | sed 's/.*load average/load average/')"
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order="library transfer-manager"; else order="transfer-manager library"; fi
  for tool in $order; do
    sync # start each run without the previous run's dirty pages
    java -Xmx256m -cp "$CP" "$MAIN" run "$tool" "$FILE" "$SHA" 2>"$WORK/$tool.err" | tee -a "$RESULTS" \
      || { cat "$WORK/$tool.err" >&2; exit 1; }
  done
done
echo "load after: $(uptime | sed 's/.*load average/load average/')"

python3 - "$RESULTS" <<'PY'
import sys
rows = [dict(kv.split("=", 1) for kv in line.split()[1:]) for line in open(sys.argv[1]) if line.startswith("RESULT")]
def values(tool, field):
    return [float(r[field]) for r in rows if r["tool"] == tool]
gib = int(rows[0]["bytes"]) / 2**30
rounds = len(values("library", "upload_mibps"))
print()
print(f"{gib:.2f} GiB per transfer, {rounds} round(s), each tool in its own JVM with -Xmx256m")
print(f"{'':28}{'library':>10}{'transfer-mgr':>14}{'lib/tm':>8}")
for op in ("upload", "download"):
    lib, tm = max(values("library", op + "_mibps")), max(values("transfer-manager", op + "_mibps"))
    print(f"{op + ' MiB/s (best)':28}{lib:10.1f}{tm:14.1f}{lib / tm:8.2f}")
    lib, tm = sorted(values("library", op + "_mibps"))[(rounds - 1) // 2], sorted(values("transfer-manager", op + "_mibps"))[(rounds - 1) // 2]
    print(f"{op + ' MiB/s (median)':28}{lib:10.1f}{tm:14.1f}{lib / tm:8.2f}")
    lib, tm = min(values("library", op + "_cpu_s")), min(values("transfer-manager", op + "_cpu_s"))
    print(f"{op + ' client CPU s (least)':28}{lib:10.2f}{tm:14.2f}{lib / tm:8.2f}")
print(f"{'peak RSS MiB (VmHWM, max)':28}{max(values('library', 'vmhwm_mib')):10.0f}{max(values('transfer-manager', 'vmhwm_mib')):14.0f}")
PY
