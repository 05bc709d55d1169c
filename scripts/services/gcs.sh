# GCS emulators for storage-gcs's integration tests (sourced by scripts/test.sh and benchmarks/gcs.sh).
#
# Two real servers, because each mis-handles a different part of the protocol (see
# storage-gcs/src/test/.../GcsEmulatorIT and GcsResumableProtocolIT):
#   fake-gcs-server (Go, built through the Go module proxy): the primary emulator; faithful object
#     generations and ranged reads, but its resumable uploads ignore the Content-Range offset and
#     finalize the object on a status query ("bytes */*").
#   gcp-storage-emulator (PyPI): checks chunk offsets and answers status queries like GCS, but its
#     downloads ignore the generation parameter.
#
# Exports:
#   MAINTENANCE_IT_GCS_ENDPOINT       http://127.0.0.1:PORT of fake-gcs-server
#   MAINTENANCE_IT_GCS_ALT_ENDPOINT   http://127.0.0.1:PORT of gcp-storage-emulator
#   MAINTENANCE_IT_GCS_BUCKET         a bucket that exists on both

FAKE_GCS_SERVER_VERSION="${FAKE_GCS_SERVER_VERSION:-v1.56.1}"
GCP_STORAGE_EMULATOR_VERSION="${GCP_STORAGE_EMULATOR_VERSION:-2026.7.19}"

install_fake_gcs_server() {
  local dir="$TOOLS_DIR/fake-gcs-server-$FAKE_GCS_SERVER_VERSION"
  if [ ! -x "$dir/fake-gcs-server" ]; then
    command -v go >/dev/null || die "go is needed to build fake-gcs-server (apt-get install golang-go)"
    log "building fake-gcs-server $FAKE_GCS_SERVER_VERSION through the Go module proxy (once)"
    mkdir -p "$dir.tmp"
    GOBIN="$dir.tmp" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
      go install "github.com/fsouza/fake-gcs-server@$FAKE_GCS_SERVER_VERSION" >"$RUN_DIR/fake-gcs-server-install.log" 2>&1 \
      || die "building fake-gcs-server failed (log: $RUN_DIR/fake-gcs-server-install.log)"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  FAKE_GCS_SERVER_BIN="$dir/fake-gcs-server"
}

install_gcp_storage_emulator() {
  local venv="$TOOLS_DIR/gcp-storage-emulator-$GCP_STORAGE_EMULATOR_VERSION"
  if [ ! -e "$venv/.installed" ]; then
    log "installing gcp-storage-emulator $GCP_STORAGE_EMULATOR_VERSION from PyPI (once)"
    rm -rf "$venv"
    python3 -m venv "$venv" || die "python3 -m venv failed (apt-get install python3-venv)"
    "$venv/bin/pip" install -q "gcp-storage-emulator==$GCP_STORAGE_EMULATOR_VERSION" >"$RUN_DIR/gcp-storage-emulator-install.log" 2>&1 \
      || die "installing gcp-storage-emulator failed (log: $RUN_DIR/gcp-storage-emulator-install.log)"
    touch "$venv/.installed"
  fi
  GCP_STORAGE_EMULATOR_BIN="$venv/bin/gcp-storage-emulator"
}

# Creates a bucket through the JSON API of an emulator (python3, which services.sh needs anyway).
_gcs_create_bucket() {
  python3 - "$1" "$2" <<'PY' || die "creating bucket $2 on $1 failed"
import json, sys, urllib.error, urllib.request
endpoint, bucket = sys.argv[1], sys.argv[2]
req = urllib.request.Request(endpoint + "/storage/v1/b?project=maintenance-it", method="POST",
                             data=json.dumps({"name": bucket}).encode(), headers={"Content-Type": "application/json"})
try:
    urllib.request.urlopen(req, timeout=30).read()
except urllib.error.HTTPError as e:
    if e.code != 409:  # 409: exists already
        raise
PY
}

start_gcs() {
  install_fake_gcs_server
  install_gcp_storage_emulator
  local bucket="${MAINTENANCE_IT_GCS_BUCKET:-maintenance-it}"

  local port data
  port=$(free_port)
  data="$RUN_DIR/fake-gcs-$port"
  rm -rf "$data" && mkdir -p "$data"
  "$FAKE_GCS_SERVER_BIN" -scheme http -host 127.0.0.1 -port "$port" -backend filesystem -filesystem-root "$data" \
    -public-host "127.0.0.1:$port" -external-url "http://127.0.0.1:$port" -log-level warn \
    >"$RUN_DIR/fake-gcs-server.log" 2>&1 &
  register_pid $!
  wait_for_port "$port" fake-gcs-server
  export MAINTENANCE_IT_GCS_ENDPOINT="http://127.0.0.1:$port"
  _gcs_create_bucket "$MAINTENANCE_IT_GCS_ENDPOINT" "$bucket"

  local alt_port alt_data
  alt_port=$(free_port)
  alt_data="$RUN_DIR/gcp-storage-emulator-$alt_port"
  rm -rf "$alt_data" && mkdir -p "$alt_data"
  "$GCP_STORAGE_EMULATOR_BIN" --data-dir "$alt_data" start --host 127.0.0.1 --port "$alt_port" --default-bucket "$bucket" --quiet \
    >"$RUN_DIR/gcp-storage-emulator.log" 2>&1 &
  register_pid $!
  wait_for_port "$alt_port" gcp-storage-emulator
  export MAINTENANCE_IT_GCS_ALT_ENDPOINT="http://127.0.0.1:$alt_port"

  export MAINTENANCE_IT_GCS_BUCKET="$bucket"
  log "gcs: fake-gcs-server on $MAINTENANCE_IT_GCS_ENDPOINT, gcp-storage-emulator on $MAINTENANCE_IT_GCS_ALT_ENDPOINT, bucket $bucket"
}
