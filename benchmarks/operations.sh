#!/usr/bin/env bash
# Operations polling (issue 11): CLIENTS (100) concurrent clients poll GET /maintenance/operations/{id} and
# GET /maintenance/operations for SECONDS (60) against the reference admin server (examples' AdminServer,
# JDK HttpServer) while backups of a 1,000,000-row table run one after another and write their progress;
# reports requests, errors and latency percentiles, with the load average. Catalog pooled (HikariCP).
#   benchmarks/operations.sh [-Dclients=100] [-Dseconds=60] [-Drows=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl benchmarks -am package -DskipTests
echo "load before: $(uptime)"
java -Xmx512m "$@" -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.maintenance.benchmarks.operations.OperationsPollingBenchmark
echo "load after: $(uptime)"
