#!/usr/bin/env bash
# Records the promised API (maintenance-api) as the baseline the build compares with. Run it in the commit
# that changes the API on purpose (a new major version for an incompatible change), and say why there.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -pl maintenance-api package -DskipTests -Djapicmp.skip=true
mkdir -p maintenance-api/api-baseline
cp maintenance-api/target/maintenance-api-*[0-9T].jar maintenance-api/api-baseline/maintenance-api.jar
echo "recorded maintenance-api/api-baseline/maintenance-api.jar"
