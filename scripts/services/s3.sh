# S3-compatible servers for storage-s3's integration tests (sourced by scripts/test.sh and benchmarks/s3.sh).
#
# Two independent real servers, because each mis-handles a different part of the protocol (the tests in
# storage-s3/src/test/java/io/maintenance/storage/s3 say where):
#   versitygw (Versity S3 Gateway, Apache-2.0, built through the Go module proxy, posix backend): the
#     primary server. Verifies CRC32C and Content-MD5 checksums (400 BadDigest like AWS), If-Match (412),
#     multipart upload lifecycle (NoSuchUpload after abort/complete) and SigV4 signatures. But it answers
#     an unknown access key with 404 XAdminUserNotFound (AWS: 403 InvalidAccessKeyId), and a HEAD with an
#     unknown access key with 404, as if the object were missing.
#   S3Proxy (Apache-2.0, jar from Maven Central, filesystem-nio2 backend): answers unknown access keys with
#     403 InvalidAccessKeyId and verifies presigned URLs, Content-MD5 and If-Match; but it rejects
#     x-amz-checksum-* headers with 501 NotImplemented (so it runs the provider with checksum=md5), and
#     accepts ListParts/UploadPart for upload ids that were aborted or completed.
#
# Both listen on 127.0.0.1 only, on free ports, with random credentials, and keep data under $RUN_DIR.
# Tests create the buckets they need.
#
# Exports:
#   MAINTENANCE_IT_S3_ENDPOINT, MAINTENANCE_IT_S3_ACCESS_KEY, MAINTENANCE_IT_S3_SECRET_KEY                 versitygw
#   MAINTENANCE_IT_S3PROXY_ENDPOINT, MAINTENANCE_IT_S3PROXY_ACCESS_KEY, MAINTENANCE_IT_S3PROXY_SECRET_KEY  S3Proxy

VERSITYGW_VERSION="${VERSITYGW_VERSION:-v1.8.0}"
S3PROXY_VERSION="${S3PROXY_VERSION:-2.7.0}"

install_versitygw() {
  local dir="$TOOLS_DIR/versitygw-$VERSITYGW_VERSION"
  if [ ! -x "$dir/versitygw" ]; then
    command -v go >/dev/null || die "go is needed to build versitygw (apt-get install golang-go)"
    log "building versitygw $VERSITYGW_VERSION through the Go module proxy (once, about 2 minutes)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    GOBIN="$dir.tmp" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
      go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >"$RUN_DIR/versitygw-install.log" 2>&1 \
      || die "building versitygw failed (log: $RUN_DIR/versitygw-install.log)"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  VERSITYGW_BIN="$dir/versitygw"
}

install_s3proxy() {
  local dir="$TOOLS_DIR/s3proxy-$S3PROXY_VERSION"
  local jar="$dir/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
  if [ ! -s "$jar" ]; then
    command -v mvn >/dev/null || die "mvn is needed to fetch S3Proxy from Maven Central"
    log "fetching S3Proxy $S3PROXY_VERSION from Maven Central (once)"
    mkdir -p "$dir"
    mvn -B -q -ntp org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" -DoutputDirectory="$dir" \
      >"$RUN_DIR/s3proxy-install.log" 2>&1 \
      || die "fetching S3Proxy failed (log: $RUN_DIR/s3proxy-install.log)"
  fi
  S3PROXY_JAR="$jar"
}

# Data of earlier runs: removed once no run can still be using it.
_s3_prune_old_data() {
  find "$RUN_DIR" -maxdepth 1 \( -name 'versitygw-[0-9]*' -o -name 's3proxy-[0-9]*' \) -mmin +120 -exec rm -rf {} + 2>/dev/null || true
}

_s3_secret() {
  python3 -c 'import secrets; print(secrets.token_hex(20))'
}

# run_versitygw NAME PORT DATA ACCESS SECRET: a versitygw serving the folder DATA (its buckets) on PORT.
run_versitygw() {
  local name=$1 port=$2 data=$3 access=$4 secret=$5
  install_versitygw
  ROOT_ACCESS_KEY="$access" ROOT_SECRET_KEY="$secret" \
    "$VERSITYGW_BIN" --port "127.0.0.1:$port" --region us-east-1 --quiet posix "$data" \
    >"$RUN_DIR/$name.log" 2>&1 &
  register_pid $!
  wait_for_port "$port" "$name"
}

start_versitygw() {
  local port data access secret
  port=$(free_port)
  data="$RUN_DIR/versitygw-$port"
  rm -rf "$data" && mkdir -p "$data"
  access="maintenance-it-$(_s3_secret | cut -c1-8)"
  secret=$(_s3_secret)
  run_versitygw versitygw "$port" "$data" "$access" "$secret"
  export MAINTENANCE_IT_S3_ENDPOINT="http://127.0.0.1:$port"
  export MAINTENANCE_IT_S3_ACCESS_KEY="$access"
  export MAINTENANCE_IT_S3_SECRET_KEY="$secret"
}

start_s3proxy() {
  install_s3proxy
  local port data access secret conf umask_before
  port=$(free_port)
  data="$RUN_DIR/s3proxy-$port"
  rm -rf "$data" && mkdir -p "$data"
  access="maintenance-it-$(_s3_secret | cut -c1-8)"
  secret=$(_s3_secret)
  conf="$data.properties"
  umask_before=$(umask)
  umask 077
  cat >"$conf" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$access
s3proxy.credential=$secret
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$data
jclouds.identity=unused
jclouds.credential=unused
PROPS
  umask "$umask_before"
  java -Xmx256m -XX:+UseSerialGC -jar "$S3PROXY_JAR" --properties "$conf" >"$RUN_DIR/s3proxy.log" 2>&1 &
  register_pid $!
  wait_for_port "$port" s3proxy
  export MAINTENANCE_IT_S3PROXY_ENDPOINT="http://127.0.0.1:$port"
  export MAINTENANCE_IT_S3PROXY_ACCESS_KEY="$access"
  export MAINTENANCE_IT_S3PROXY_SECRET_KEY="$secret"
}

start_s3() {
  _s3_prune_old_data
  start_versitygw
  start_s3proxy
}
