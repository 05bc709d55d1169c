# Qdrant for the integration tests and benchmarks, sourced by scripts/test.sh (defines start_qdrant).
#
# Runs the Qdrant server binary named by QDRANT_BIN (an executable, or an .xz of one, which is
# decompressed once into $TOOLS_DIR/qdrant/). Qdrant publishes no binary in a package registry, so the
# binary is the one thing this script cannot fetch itself: without QDRANT_BIN, CI (CI=true) fails, and
# a developer's run leaves out the tests that need these servers and says so loudly, at start and end.
# Every process listens on 127.0.0.1 only, on free ports, with its own storage under $RUN_DIR, the
# same random API key, and telemetry off:
#   - a single node with default settings;
#   - a second single node with default settings, the sandbox of restore drills;
#   - a single node whose snapshots live in S3 (a bucket on a versitygw of its own, see s3.sh) and
#     whose URL recovery is disabled (enable_snapshot_url_recovery=false);
#   - a three-node cluster (one process per node, own storage, HTTP, gRPC and p2p ports);
#   - a second, fresh two-node cluster, to restore distributed backups into.
#
# Exports (REST URLs are http://127.0.0.1:<port>; lists are comma-separated, one entry per node):
#   MAINTENANCE_IT_QDRANT_URL, MAINTENANCE_IT_QDRANT_GRPC_PORT        single node
#   MAINTENANCE_IT_QDRANT_SANDBOX_URL, MAINTENANCE_IT_QDRANT_SANDBOX_GRPC_PORT   second single node
#   MAINTENANCE_IT_QDRANT_S3_URL, MAINTENANCE_IT_QDRANT_S3_GRPC_PORT  S3 snapshots, no URL recovery
#   MAINTENANCE_IT_QDRANT_CLUSTER_URLS, MAINTENANCE_IT_QDRANT_CLUSTER_GRPC_PORTS   three nodes
#   MAINTENANCE_IT_QDRANT_FRESH_CLUSTER_URLS, MAINTENANCE_IT_QDRANT_FRESH_CLUSTER_GRPC_PORTS   two nodes
#   MAINTENANCE_IT_QDRANT_API_KEY                                      the API key of all of them
#   QDRANT_BIN                                                         the executable that runs

install_qdrant() {
  [ -e "$QDRANT_BIN" ] || die "QDRANT_BIN=$QDRANT_BIN does not exist"
  if [[ "$QDRANT_BIN" == *.xz ]]; then
    local sum dir
    sum=$(sha256sum "$QDRANT_BIN" | cut -c1-16)
    dir="$TOOLS_DIR/qdrant/$sum"
    if [ ! -x "$dir/qdrant" ]; then
      log "decompressing $QDRANT_BIN into $dir"
      mkdir -p "$dir"
      xz -dc "$QDRANT_BIN" >"$dir/qdrant.tmp" || die "cannot decompress $QDRANT_BIN"
      chmod +x "$dir/qdrant.tmp" && mv "$dir/qdrant.tmp" "$dir/qdrant"
    fi
    QDRANT_BIN="$dir/qdrant"
  fi
  [ -x "$QDRANT_BIN" ] || die "QDRANT_BIN=$QDRANT_BIN is not executable"
  export QDRANT_BIN
}

# _qdrant_wait_ready NAME HTTP_PORT: /readyz answers 200 (the port listening is not enough).
_qdrant_wait_ready() {
  local name=$1 port=$2 i
  for ((i = 0; i < 600; i++)); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  die "$name was not ready on 127.0.0.1:$port within 60s (log: $RUN_DIR/$name.log)"
}

# _qdrant_node NAME [qdrant args...]: starts one process; sets QDRANT_NODE_HTTP, QDRANT_NODE_GRPC and
# QDRANT_NODE_DIR (its storage).
# Extra settings come from the caller's QDRANT__* environment.
_qdrant_node() {
  local name=$1
  shift
  local http grpc dir
  http=$(free_port)
  grpc=$(free_port)
  dir="$RUN_DIR/$name-$http"
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && exec env QDRANT__SERVICE__HOST=127.0.0.1 QDRANT__SERVICE__HTTP_PORT="$http" \
    QDRANT__SERVICE__GRPC_PORT="$grpc" QDRANT__SERVICE__API_KEY="$QDRANT_IT_API_KEY" \
    QDRANT__STORAGE__STORAGE_PATH="$dir/storage" QDRANT__STORAGE__SNAPSHOTS_PATH="$dir/snapshots" \
    QDRANT__TELEMETRY_DISABLED=true QDRANT__LOG_LEVEL=WARN "$QDRANT_BIN" "$@") >"$RUN_DIR/$name.log" 2>&1 &
  register_pid $!
  _qdrant_wait_ready "$name" "$http"
  QDRANT_NODE_HTTP=$http
  QDRANT_NODE_GRPC=$grpc
  QDRANT_NODE_DIR=$dir
}

# Storage of earlier runs: removed once no run can still be using it.
_qdrant_prune_old_data() {
  find "$RUN_DIR" -maxdepth 1 -name 'qdrant*-[0-9]*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
}

# _qdrant_cluster NAME NODES: one process per node; sets QDRANT_CLUSTER_URLS and QDRANT_CLUSTER_GRPC.
_qdrant_cluster() {
  local name=$1 nodes=$2 i p2p first urls="" grpcs=""
  for ((i = 1; i <= nodes; i++)); do
    p2p=$(free_port)
    if [ "$i" = 1 ]; then
      first=$p2p
      QDRANT__CLUSTER__ENABLED=true QDRANT__CLUSTER__P2P__PORT=$p2p \
        _qdrant_node "$name-$i" --uri "http://127.0.0.1:$p2p"
    else
      QDRANT__CLUSTER__ENABLED=true QDRANT__CLUSTER__P2P__PORT=$p2p \
        _qdrant_node "$name-$i" --bootstrap "http://127.0.0.1:$first" --uri "http://127.0.0.1:$p2p"
    fi
    urls="$urls${urls:+,}http://127.0.0.1:$QDRANT_NODE_HTTP"
    grpcs="$grpcs${grpcs:+,}$QDRANT_NODE_GRPC"
  done
  # Every node must see every peer before tests create collections across them.
  local url peers
  for url in ${urls//,/ }; do
    for ((i = 0; i < 600; i++)); do
      peers=$(curl -fsS -H "api-key: $QDRANT_IT_API_KEY" "$url/cluster" 2>/dev/null \
        | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["result"]["peers"]))' 2>/dev/null || echo 0)
      [ "$peers" = "$nodes" ] && break
      sleep 0.1
    done
    [ "$peers" = "$nodes" ] || die "$name: $url sees $peers of $nodes peers after 60s (logs: $RUN_DIR/$name-*.log)"
  done
  QDRANT_CLUSTER_URLS=$urls
  QDRANT_CLUSTER_GRPC=$grpcs
}

# A versitygw of Qdrant's own with one bucket, for the node that keeps its snapshots in S3.
_qdrant_s3_bucket() {
  local port data
  port=$(free_port)
  data="$RUN_DIR/qdrant-versitygw-$port"
  rm -rf "$data" && mkdir -p "$data/qdrant-snapshots"
  QDRANT_S3_ACCESS="qdrant-$(_s3_secret | cut -c1-8)"
  QDRANT_S3_SECRET=$(_s3_secret)
  run_versitygw qdrant-versitygw "$port" "$data" "$QDRANT_S3_ACCESS" "$QDRANT_S3_SECRET"
  QDRANT_S3_ENDPOINT="http://127.0.0.1:$port"
}

# Only the single node (for benchmarks/qdrant.sh); exports what start_qdrant exports for it.
start_qdrant_single() {
  [ -n "${QDRANT_BIN:-}" ] || die "QDRANT_BIN is not set: point it at a Qdrant server binary (or its .xz)"
  install_qdrant
  _qdrant_prune_old_data
  QDRANT_IT_API_KEY=${QDRANT_IT_API_KEY:-$(python3 -c 'import secrets; print(secrets.token_hex(16))')}
  _qdrant_node qdrant
  export MAINTENANCE_IT_QDRANT_URL="http://127.0.0.1:$QDRANT_NODE_HTTP"
  export MAINTENANCE_IT_QDRANT_GRPC_PORT=$QDRANT_NODE_GRPC
  export MAINTENANCE_IT_QDRANT_API_KEY=$QDRANT_IT_API_KEY
}

# Without a binary: CI fails; a developer's run leaves the real-server tests out and says so at start and end.
_qdrant_missing() {
  local what="datastore-qdrant's tests against real Qdrant servers (QdrantServer*IT: the TCK contracts, the scenarios,
    S3 snapshot storage, clusters, restore drills and the 100,000-point round trip); QDRANT_BIN is not set. Build or
    download a Qdrant server binary and run again with QDRANT_BIN=/path/to/qdrant"
  [ "${CI:-}" != "true" ] || die "QDRANT_BIN is not set; CI must run the real Qdrant tests (.ci/run sets it)"
  log "################################################################################"
  log "NOT RUN: $what"
  log "################################################################################"
  SERVICE_MAVEN_ARGS+=("-Dqdrant.real.excludes=**/QdrantServer*IT.java")
  SERVICE_NOTES+=("$what")
}

start_qdrant() {
  if [ -z "${QDRANT_BIN:-}" ]; then
    _qdrant_missing
    return 0
  fi
  start_qdrant_single

  _qdrant_node qdrant-sandbox
  export MAINTENANCE_IT_QDRANT_SANDBOX_URL="http://127.0.0.1:$QDRANT_NODE_HTTP"
  export MAINTENANCE_IT_QDRANT_SANDBOX_GRPC_PORT=$QDRANT_NODE_GRPC

  _qdrant_s3_bucket
  QDRANT__SERVICE__ENABLE_SNAPSHOT_URL_RECOVERY=false \
    QDRANT__STORAGE__SNAPSHOTS_CONFIG__SNAPSHOTS_STORAGE=s3 \
    QDRANT__STORAGE__SNAPSHOTS_CONFIG__S3_CONFIG__BUCKET=qdrant-snapshots \
    QDRANT__STORAGE__SNAPSHOTS_CONFIG__S3_CONFIG__REGION=us-east-1 \
    QDRANT__STORAGE__SNAPSHOTS_CONFIG__S3_CONFIG__ACCESS_KEY="$QDRANT_S3_ACCESS" \
    QDRANT__STORAGE__SNAPSHOTS_CONFIG__S3_CONFIG__SECRET_KEY="$QDRANT_S3_SECRET" \
    QDRANT__STORAGE__SNAPSHOTS_CONFIG__S3_CONFIG__ENDPOINT_URL="$QDRANT_S3_ENDPOINT" \
    _qdrant_node qdrant-s3
  export MAINTENANCE_IT_QDRANT_S3_URL="http://127.0.0.1:$QDRANT_NODE_HTTP"
  export MAINTENANCE_IT_QDRANT_S3_GRPC_PORT=$QDRANT_NODE_GRPC

  _qdrant_cluster qdrant-cluster 3
  export MAINTENANCE_IT_QDRANT_CLUSTER_URLS=$QDRANT_CLUSTER_URLS
  export MAINTENANCE_IT_QDRANT_CLUSTER_GRPC_PORTS=$QDRANT_CLUSTER_GRPC
  _qdrant_cluster qdrant-fresh 2
  export MAINTENANCE_IT_QDRANT_FRESH_CLUSTER_URLS=$QDRANT_CLUSTER_URLS
  export MAINTENANCE_IT_QDRANT_FRESH_CLUSTER_GRPC_PORTS=$QDRANT_CLUSTER_GRPC

  export MAINTENANCE_IT_QDRANT_API_KEY=$QDRANT_IT_API_KEY
  log "$("$QDRANT_BIN" --version 2>/dev/null | head -1): single node $MAINTENANCE_IT_QDRANT_URL," \
    "sandbox $MAINTENANCE_IT_QDRANT_SANDBOX_URL," \
    "S3 snapshots $MAINTENANCE_IT_QDRANT_S3_URL, cluster $MAINTENANCE_IT_QDRANT_CLUSTER_URLS," \
    "fresh cluster $MAINTENANCE_IT_QDRANT_FRESH_CLUSTER_URLS"
}
