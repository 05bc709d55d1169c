#!/usr/bin/env bash
# Runs every test of the project against real servers, which it installs (once, into .tools/) and
# starts on 127.0.0.1 by itself. PostgreSQL is embedded in the tests (binaries from Maven Central).
#
#   scripts/test.sh                              all modules, all services
#   SERVICES="falkordb" scripts/test.sh -pl datastore-falkordb -am
#
# Extra arguments go to Maven. Each scripts/services/<name>.sh defines start_<name>, which exports
# the MAINTENANCE_IT_* variables its integration tests read; a missing variable fails those tests.
# A service that cannot start on a developer's machine (outside CI) may instead add Maven arguments
# that leave its tests out (SERVICE_MAVEN_ARGS) and say so (SERVICE_NOTES, repeated at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
SERVICE_MAVEN_ARGS=()
SERVICE_NOTES=()
finish() {
  stop_services
  local note
  for note in "${SERVICE_NOTES[@]}"; do
    printf '\n[services] NOT RUN: %s\n' "$note" >&2
  done
}
trap finish EXIT

for f in scripts/services/*.sh; do
  [ -e "$f" ] && source "$f"
done
if [ -z "${SERVICES+x}" ]; then
  SERVICES=""
  for f in scripts/services/*.sh; do
    [ -e "$f" ] && SERVICES="$SERVICES $(basename "$f" .sh)"
  done
fi
for s in $SERVICES; do
  log "starting $s"
  "start_$s"
done

mvn -B -ntp verify "${SERVICE_MAVEN_ARGS[@]}" "$@"
