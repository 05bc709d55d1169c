# A throwaway PostgreSQL 15 server with pgbench data, for benchmarks/postgres.sh and benchmarks/artifacts.sh
# (sourced after scripts/lib/services.sh). Needs BENCH_DIR and SCALE; exports PG_BIN, PG_PORT, PG_USER and
# leaves database 'bench' holding `pgbench -i -s $SCALE`. Debian's PostgreSQL 15 tools are installed with
# apt-get when missing.

PG_BIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PG_BIN/pg_dump" ] || [ ! -x "$PG_BIN/pgbench" ] || [ ! -x "$PG_BIN/postgres" ]; then
  log "installing PostgreSQL 15 tools with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client-15 postgresql-contrib >/dev/null
fi

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
