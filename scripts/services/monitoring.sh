# Tools for the monitoring module's tests, sourced by scripts/test.sh (defines start_monitoring). Not servers:
#   - promtool from Debian's prometheus package (extracted with dpkg-deb into $TOOLS_DIR, no daemon is installed
#     or started; apt-get update runs first when the package list does not know the package);
#   - promql-check (monitoring/promql-check), built through the Go module proxy: checks every query of the
#     dashboard and the rules against the metric and label names in a Prometheus text exposition, using
#     Prometheus's own PromQL and text-format parsers.
#
# Exports:
#   MAINTENANCE_IT_PROMTOOL       path of promtool
#   MAINTENANCE_IT_PROMQL_CHECK   path of promql-check

install_promtool() {
  local dir="$TOOLS_DIR/prometheus-deb"
  if [ ! -x "$dir/usr/bin/promtool" ]; then
    command -v apt-get >/dev/null || die "apt-get is needed to fetch Debian's prometheus package (for promtool)"
    log "fetching promtool from Debian's prometheus package (once)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    if ! (cd "$dir.tmp" && apt-get download prometheus >"$RUN_DIR/promtool-install.log" 2>&1); then
      apt-get update -qq >>"$RUN_DIR/promtool-install.log" 2>&1 || true
      (cd "$dir.tmp" && apt-get download prometheus >>"$RUN_DIR/promtool-install.log" 2>&1) \
        || die "apt-get download prometheus failed (log: $RUN_DIR/promtool-install.log)"
    fi
    dpkg-deb -x "$dir.tmp"/prometheus_*.deb "$dir.tmp/root" || die "cannot unpack the prometheus package"
    rm -rf "$dir" && mv "$dir.tmp/root" "$dir" && rm -rf "$dir.tmp"
  fi
  MAINTENANCE_IT_PROMTOOL="$dir/usr/bin/promtool"
}

install_promql_check() {
  local src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../monitoring/promql-check" && pwd)"
  local sum
  sum=$(cat "$src"/go.mod "$src"/go.sum "$src"/*.go | sha256sum | cut -c1-16)
  local bin="$TOOLS_DIR/promql-check-$sum/promql-check"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || die "go is needed to build monitoring/promql-check"
    log "building promql-check through the Go module proxy (once per change)"
    mkdir -p "$(dirname "$bin")"
    (cd "$src" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -o "$bin.tmp" .) >"$RUN_DIR/promql-check-build.log" 2>&1 \
      || die "building promql-check failed (log: $RUN_DIR/promql-check-build.log)"
    mv "$bin.tmp" "$bin"
  fi
  MAINTENANCE_IT_PROMQL_CHECK="$bin"
}

start_monitoring() {
  install_promtool
  install_promql_check
  export MAINTENANCE_IT_PROMTOOL MAINTENANCE_IT_PROMQL_CHECK
  log "promtool: $MAINTENANCE_IT_PROMTOOL; promql-check: $MAINTENANCE_IT_PROMQL_CHECK"
}
