#!/usr/bin/env bash
# Records what each module promises (its jar; `internal` packages are not compared) as the baseline the build
# compares with. Run it in the commit that changes a promised API on purpose (a new major version for an
# incompatible change), and say why there.
set -euo pipefail
cd "$(dirname "$0")/.."
modules=(maintenance-api maintenance-tck maintenance-core storage-local storage-s3 storage-gcs datastore-postgres
  datastore-falkordb datastore-qdrant maintenance-spring-boot-starter)
mvn -B -ntp -q -pl "$(IFS=,; echo "${modules[*]}")" -am package -DskipTests -Djapicmp.skip=true
for m in "${modules[@]}"; do
  mkdir -p "$m/api-baseline"
  cp "$m"/target/"$m"-*[0-9T].jar "$m/api-baseline/$m.jar"
  echo "recorded $m/api-baseline/$m.jar"
done
