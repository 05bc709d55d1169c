#!/usr/bin/env bash
# The demo: embedded PostgreSQL, a sample shop, backup -> accident -> preview -> approve -> confirm,
# readiness, audit and metrics. Needs only Java 17 and Maven; everything else comes from Maven Central.
#
#   scripts/demo.sh            run the story and exit
#   scripts/demo.sh --serve    then keep the admin routes on http://127.0.0.1:8080/maintenance
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl examples -am package -DskipTests
exec java -cp "examples/target/classes:$(cat examples/target/classpath.txt)" io.maintenance.examples.Demo "$@"
