#!/usr/bin/env bash
# Control-plane overhead (issue 2): preview+confirm latency p50/p95 over 200 runs, listing 10,000
# catalog rows, local storage write/read of a 1 GiB stream vs cp, with the heap capped at 256 MiB.
#   benchmarks/control-plane.sh [-Druns=200] [-Dbytes=1073741824]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl benchmarks -am package -DskipTests
echo "load: $(uptime)"
exec java -Xmx256m "$@" -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.maintenance.benchmarks.controlplane.ControlPlaneBenchmark
