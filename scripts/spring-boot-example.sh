#!/usr/bin/env bash
# Builds and starts the Spring Boot example (examples-spring-boot): a "shop" service with its own embedded
# PostgreSQL, the maintenance starter, HTTP Basic users alice (operator), bob (approver), carol (viewer).
# Extra arguments go to the application, e.g. --server.port=8081 or --spring.datasource.url=...
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl examples-spring-boot -am package -DskipTests
port=8080
for a in "$@"; do case "$a" in --server.port=*) port="${a#--server.port=}" ;; esac; done
cat <<TXT

  The shop runs on http://127.0.0.1:$port (Ctrl-C stops it). Try:

  curl -s -u alice:alice-pw -X POST 'localhost:$port/maintenance/backups?wait=true'
  curl -s -u alice:alice-pw -X POST localhost:$port/maintenance/restores/preview -H 'Content-Type: application/json' -d '{"backupId":"<id>"}'
  curl -s -u bob:bob-pw     -X POST localhost:$port/maintenance/restores/<requestId>/approvals -H 'Content-Type: application/json' -d '{"comment":"ok"}'
  curl -s -u alice:alice-pw -X POST 'localhost:$port/maintenance/restores/confirm?wait=true' -H 'Content-Type: application/json' -d '{"token":"<token>"}'
  curl -s -u carol:carol-pw -X POST localhost:$port/maintenance/backups      # 403, code FORBIDDEN
  curl -s localhost:$port/actuator/health/maintenance
  curl -s localhost:$port/actuator/prometheus | grep ^maintenance_

TXT
exec java -jar examples-spring-boot/target/examples-spring-boot-*-SNAPSHOT.jar --server.address=127.0.0.1 "$@"
