# An AWS KMS-compatible (and S3-compatible) server for the engine's envelope-encryption tests (sourced by scripts/test.sh
# and benchmarks/artifacts.sh): moto's server mode from PyPI, which implements the KMS JSON API
# (CreateKey, Encrypt, Decrypt, ...) with real AES-GCM under per-key material it keeps in memory.
#
# Exports:
#   MAINTENANCE_IT_KMS_ENDPOINT   http://127.0.0.1:PORT (region us-east-1, any access key/secret)
#   MAINTENANCE_IT_MOTO_ENDPOINT  the same server, for its S3 API (storage-s3 checks server-side encryption
#                                 and storage class against it: it records and reports both)

MOTO_VERSION="${MOTO_VERSION:-5.2.5}"

install_moto() {
  local venv="$TOOLS_DIR/moto-$MOTO_VERSION"
  if [ ! -e "$venv/.installed" ]; then
    log "installing moto[server] $MOTO_VERSION from PyPI (once)"
    rm -rf "$venv"
    python3 -m venv "$venv" || die "python3 -m venv failed (apt-get install python3-venv)"
    "$venv/bin/pip" install -q "moto[server]==$MOTO_VERSION" >"$RUN_DIR/moto-install.log" 2>&1 \
      || die "installing moto failed (log: $RUN_DIR/moto-install.log)"
    touch "$venv/.installed"
  fi
  MOTO_SERVER_BIN="$venv/bin/moto_server"
}

start_kms() {
  install_moto
  local port
  port=$(free_port)
  "$MOTO_SERVER_BIN" -H 127.0.0.1 -p "$port" >"$RUN_DIR/moto-kms.log" 2>&1 &
  register_pid $!
  wait_for_port "$port" moto-kms
  export MAINTENANCE_IT_KMS_ENDPOINT="http://127.0.0.1:$port"
  export MAINTENANCE_IT_MOTO_ENDPOINT="http://127.0.0.1:$port"
  log "kms: moto on $MAINTENANCE_IT_KMS_ENDPOINT"
}
