package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.postgres.internal.Model.Table;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.support.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * Writes one {@code *_postgres.json} and one {@code *_postgres.sql} per selected table, all from one
 * REPEATABLE READ snapshot, parents of foreign keys first (restore replays artifacts in this order).
 */
public final class Backup {
  /** Metadata key prefix of each table's state (fingerprint, schema, sequences) for incremental reuse. */
  public static final String STATE_PREFIX = "state:";

  private Backup() {}

  public static DatastoreBackup run(DataSource ds, Settings settings, BackupContext ctx) throws IOException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        Catalog.configureSession(c);
        DatastoreBackup result = backup(ds, c, settings, ctx);
        c.commit();
        return result;
      } finally {
        if (!c.getAutoCommit()) {
          c.rollback();
        }
      }
    } catch (SQLException e) {
      throw Errors.datastore("backup failed", e);
    }
  }

  private static DatastoreBackup backup(DataSource ds, Connection c, Settings settings, BackupContext ctx)
      throws SQLException, IOException {
    List<TableRef> tables = Catalog.tables(c, settings.selector());
    if (!tables.isEmpty()) {
      // Like pg_dump: hold ACCESS SHARE locks so no table is dropped or altered while the backup runs.
      try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
        ps.setString(1, settings.lockTimeout().toMillis() + "ms");
        ps.executeQuery().close();
      }
      try (java.sql.Statement st = c.createStatement()) {
        st.execute("LOCK TABLE " + String.join(", ", tables.stream().map(TableRef::qualified).toList())
            + " IN ACCESS SHARE MODE");
      }
    }
    Optional<DatastoreManifest> parent = ctx.type() == BackupType.INCREMENTAL ? ctx.parent() : Optional.empty();
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", TableArtifact.FORMAT + "/" + TableArtifact.VERSION);
    metadata.put("serverVersion", c.getMetaData().getDatabaseProductVersion());
    // A full backup fingerprints every table on a second connection in the same snapshot while the rows
    // are copied here: the same numbers, but the scans overlap with the copy instead of following it.
    SnapshotFingerprints fingerprints = parent.isEmpty() && !tables.isEmpty()
        ? SnapshotFingerprints.start(ds, c, tables) : SnapshotFingerprints.none();
    try {
      return backupTables(c, tables, parent, fingerprints, metadata, ctx);
    } finally {
      fingerprints.close();
    }
  }

  private static DatastoreBackup backupTables(Connection c, List<TableRef> tables, Optional<DatastoreManifest> parent,
      SnapshotFingerprints fingerprints, Map<String, String> metadata, BackupContext ctx) throws SQLException, IOException {
    Map<String, String> components = new LinkedHashMap<>();
    List<ResourceSummary> resources = new ArrayList<>();
    for (TableRef ref : tables) {
      Table t = Catalog.describe(c, ref);
      String base = Sql.artifactBase(t.schema(), t.name());
      String name = t.resourceName();
      if (parent.isPresent()) {
        String component = Fingerprints.component(c, ref);
        String state = state(component, t);
        Optional<ResourceSummary> reused = reuse(parent.get(), name, base, state, ctx);
        if (reused.isPresent()) {
          components.put(name, component);
          metadata.put(STATE_PREFIX + name, state);
          resources.add(reused.get());
          continue;
        }
      }
      ctx.progress().onProgress("table " + name, 0, -1);
      OutputStream json = ctx.artifacts().create(base + TableArtifact.JSON_SUFFIX, "application/json");
      AsyncOutputStream async = new AsyncOutputStream(json, name);
      CopyOut copy = c.unwrap(PGConnection.class).getCopyAPI().copyOut(TableArtifact.copyOutSql(t));
      long rows;
      boolean written = false;
      try {
        rows = TableArtifact.write(async, t, copy, done -> ctx.progress().onProgress("table " + name, done, -1));
        async.finish();
        written = true;
      } finally {
        if (!written) {
          async.abort();
        }
        if (copy.isActive()) {
          copy.cancelCopy();
        }
      }
      // Closing completes the artifact, so only after everything was written.
      json.close();
      OutputStream sql = ctx.artifacts().create(base + TableArtifact.SQL_SUFFIX, "application/sql");
      TableArtifact.writeSql(sql, t);
      sql.close();
      // Same snapshot as the rows, so the manifest's fingerprint describes exactly what was written.
      String component = fingerprints.component(ref).orElse(null);
      if (component == null) {
        component = Fingerprints.component(c, ref);
      }
      components.put(name, component);
      metadata.put(STATE_PREFIX + name, state(component, t));
      resources.add(new ResourceSummary("table", name, Map.of("rows", rows)));
    }
    return new DatastoreBackup(Fingerprint.of(components), resources, metadata);
  }

  /** What must be equal for a table's parent artifacts to be reused: data, schema and sequence values. */
  static String state(String component, Table t) {
    StringBuilder sb = new StringBuilder(component).append('\n');
    t.ddl().forEach(d -> sb.append(d.sql()).append('\n'));
    t.sequences().forEach(s -> sb.append(s.column()).append('=').append(s.lastValue()).append(s.isCalled()).append('\n'));
    return Digests.sha256Hex(sb.toString());
  }

  private static Optional<ResourceSummary> reuse(
      DatastoreManifest parent, String name, String base, String state, BackupContext ctx) {
    if (!state.equals(parent.metadata().get(STATE_PREFIX + name))) {
      return Optional.empty();
    }
    Optional<ArtifactInfo> json = artifact(parent, base + TableArtifact.JSON_SUFFIX);
    Optional<ArtifactInfo> sql = artifact(parent, base + TableArtifact.SQL_SUFFIX);
    Optional<ResourceSummary> summary = parent.resources().stream().filter(r -> r.name().equals(name)).findFirst();
    if (json.isEmpty() || sql.isEmpty() || summary.isEmpty()) {
      return Optional.empty();
    }
    ctx.artifacts().reuse(json.get());
    ctx.artifacts().reuse(sql.get());
    return summary;
  }

  private static Optional<ArtifactInfo> artifact(DatastoreManifest m, String name) {
    return m.artifacts().stream().filter(a -> a.name().equals(name)).findFirst();
  }
}
