# Shared helpers for scripts/services/*.sh: install tools once into $TOOLS_DIR, start servers on
# 127.0.0.1 with free ports, wait for them, and stop them all on exit.
# Sourced by scripts/test.sh (and by benchmarks); not meant to be run directly.

: "${TOOLS_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.tools}"
: "${RUN_DIR:=$TOOLS_DIR/run}"
mkdir -p "$TOOLS_DIR" "$RUN_DIR"
export TOOLS_DIR RUN_DIR

_SERVICE_PIDS=()

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# A TCP port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Remember a server process so stop_services can end it.
register_pid() { _SERVICE_PIDS+=("$1"); }

# wait_for_port PORT NAME [SECONDS]
wait_for_port() {
  local port=$1 name=$2 secs=${3:-60} i
  for ((i = 0; i < secs * 10; i++)); do
    # The subshell opens (and closes) the connection; an exec here would redirect this shell's stderr.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  die "$name did not listen on 127.0.0.1:$port within ${secs}s (log: $RUN_DIR/$name.log)"
}

stop_services() {
  local pid
  for pid in "${_SERVICE_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${_SERVICE_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  _SERVICE_PIDS=()
}
