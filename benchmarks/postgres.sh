#!/usr/bin/env bash
# Benchmark of datastore-postgres against pg_dump and pg_restore (issues 3 and 9), same server, same
# data (pgbench -i -s ${SCALE:-20}), same run; the datastore runs in JVMs capped at -Xmx256m:
#   backup jobs=1 vs pg_dump -Fc -Z0, backup jobs=2 vs pg_dump -Fd -Z0 -j 2,
#   restore jobs=1 vs pg_restore, restore jobs=2 vs pg_restore -j 2 (into fresh databases).
# Each phase first runs WARMUP (1) uncounted rounds of both tools: a host service's JVM is warm after its
# first backup; ROUNDS (3) rounds are counted.
#
#   benchmarks/postgres.sh            (SCALE=20 ROUNDS=3 WARMUP=1 by default)
#
# Uses Debian's PostgreSQL 15 (server and tools), installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
trap stop_services EXIT

SCALE=${SCALE:-20}
export BENCH_ROUNDS=${ROUNDS:-3} BENCH_WARMUP=${WARMUP:-1}
PG_BIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PG_BIN/pg_dump" ] || [ ! -x "$PG_BIN/pgbench" ] || [ ! -x "$PG_BIN/postgres" ]; then
  log "installing PostgreSQL 15 tools with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client-15 postgresql-contrib >/dev/null
fi

export BENCH_DIR="$RUN_DIR/pg-bench"
DATA="$BENCH_DIR/data"
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
# initdb and postgres refuse to run as root: run them as the 'postgres' system user when we are root.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$BENCH_DIR" postgres
  chown -R postgres "$BENCH_DIR"
  chmod 755 "$RUN_DIR" "$TOOLS_DIR"
fi
as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust --no-sync >/dev/null
PORT=$(free_port)
# Same server settings for both sides; durability knobs off so shared-disk noise does not dominate.
as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$BENCH_DIR/server.log" -w -o "-h 127.0.0.1 -p $PORT -k $BENCH_DIR \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB \
  -c shared_buffers=256MB -c maintenance_work_mem=256MB" start >/dev/null
register_pid "$(head -1 "$DATA/postmaster.pid")"
trap 'as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true; stop_services' EXIT
wait_for_port "$PORT" pg-bench
export PG_BIN PG_PORT=$PORT PG_USER=postgres

log "creating pgbench data, scale $SCALE"
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres bench
"$PG_BIN/pgbench" -i -q -s "$SCALE" -h 127.0.0.1 -p "$PORT" -U postgres bench 2>&1 | tail -1
"$PG_BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d bench -c "VACUUM ANALYZE" -c "CHECKPOINT"

log "building"
mvn -B -q -pl benchmarks -am package -DskipTests
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"

echo "== machine: $(nproc) cores, uptime: $(uptime)"
for run in "backup 1" "backup 2" "restore 1" "restore 2"; do
  # shellcheck disable=SC2086
  java -Xmx256m -cp "$CP" io.maintenance.benchmarks.postgres.PostgresBenchmark $run
done
