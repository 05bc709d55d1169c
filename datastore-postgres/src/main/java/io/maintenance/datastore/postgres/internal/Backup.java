package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.support.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Format 2 backup: the database artifact (every object, sequence states) and per table its rows as
 * PostgreSQL's own COPY text, streamed verbatim, plus a header and a companion script. Everything comes
 * from one REPEATABLE READ snapshot: with {@code jobs > 1}, further connections import it
 * ({@code pg_export_snapshot} / {@code SET TRANSACTION SNAPSHOT}, as {@code pg_dump -j} does) and copy
 * tables at the same time, largest first.
 */
public final class Backup {
  /** Metadata key prefix of each table's state (fingerprint, schema) for incremental reuse. */
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
    try (PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
      ps.setString(1, settings.lockTimeout().toMillis() + "ms");
      ps.executeQuery().close();
    }
    if (!tables.isEmpty()) {
      // Like pg_dump: ACCESS SHARE locks, so no table is dropped or altered while the backup runs.
      exec(c, "LOCK TABLE " + tables.stream().map(TableRef::qualified).collect(Collectors.joining(", ")) + " IN ACCESS SHARE MODE");
    }
    DatabaseSchema schema = SchemaReader.read(c, settings.selector()::selects, settings.selector().everything());
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", TableArtifact.FORMAT + "/" + TableData.VERSION);
    metadata.put("serverVersion", schema.serverVersion());
    metadata.put("serverVersionNum", Integer.toString(schema.serverVersionNum()));
    if (!schema.unsupported().isEmpty()) {
      metadata.put("notBackedUp", String.join("; ", schema.unsupported()));
    }
    try (OutputStream out = ctx.artifacts().create(DatabaseArtifact.JSON, "application/json")) {
      DatabaseArtifact.write(out, schema);
    }
    try (OutputStream out = ctx.artifacts().create(DatabaseArtifact.SQL, "application/sql")) {
      DatabaseArtifact.writeSql(out, schema);
    }
    Optional<DatastoreManifest> parent = ctx.type() == BackupType.INCREMENTAL ? ctx.parent() : Optional.empty();
    SnapshotFingerprints fingerprints = parent.isEmpty() && !tables.isEmpty()
        ? SnapshotFingerprints.start(ds, c, tables) : SnapshotFingerprints.none();
    Map<String, TableRef> byName = new LinkedHashMap<>();
    tables.forEach(t -> byName.put(t.resourceName(), t));
    List<TableRef> order = new ArrayList<>();
    for (String name : schema.tables()) {
      if (byName.containsKey(name)) {
        order.add(byName.get(name));
      }
    }
    Map<String, ResourceSummary> done = new ConcurrentHashMap<>();
    Map<String, String> components = new ConcurrentHashMap<>();
    Map<String, String> states = new ConcurrentHashMap<>();
    try {
      copyAll(ds, c, settings.jobs(), order, schema, parent, fingerprints, ctx, done, components, states);
    } finally {
      fingerprints.close();
    }
    List<ResourceSummary> resources = new ArrayList<>();
    resources.add(new ResourceSummary(Fingerprints.SCHEMA_KIND, Fingerprints.SCHEMA, Map.of("objects", (long) schema.objects().size())));
    Map<String, String> fp = new LinkedHashMap<>();
    fp.put(Fingerprints.SCHEMA, Fingerprints.schemaComponent(schema));
    for (TableRef t : order) {
      resources.add(done.get(t.resourceName()));
      fp.put(t.resourceName(), components.get(t.resourceName()));
      metadata.put(STATE_PREFIX + t.resourceName(), states.get(t.resourceName()));
    }
    return new DatastoreBackup(Fingerprint.of(fp), resources, metadata);
  }

  private static void copyAll(DataSource ds, Connection c, int jobs, List<TableRef> order, DatabaseSchema schema,
      Optional<DatastoreManifest> parent, SnapshotFingerprints fingerprints, BackupContext ctx, Map<String, ResourceSummary> done,
      Map<String, String> components, Map<String, String> states) throws SQLException, IOException {
    ConcurrentLinkedQueue<TableRef> queue = new ConcurrentLinkedQueue<>(bySizeDescending(c, order));
    int workers = Math.max(1, Math.min(jobs, order.size()));
    if (workers == 1) {
      copyFrom(c, queue, schema, parent, fingerprints, ctx, done, components, states);
      return;
    }
    String snapshot;
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
      rs.next();
      snapshot = rs.getString(1);
    }
    ExecutorService pool = Executors.newFixedThreadPool(workers - 1, r -> {
      Thread t = new Thread(r, "maintenance-postgres-backup");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (int i = 1; i < workers; i++) {
        futures.add(pool.submit(() -> {
          try (Connection w = ds.getConnection()) {
            w.setAutoCommit(false);
            w.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            w.setReadOnly(true);
            try (Statement st = w.createStatement()) {
              // Must be the first statement of the transaction: the same snapshot as the main connection.
              st.execute("SET TRANSACTION SNAPSHOT " + SchemaReader.literal(snapshot));
            }
            Catalog.configureSession(w);
            copyFrom(w, queue, schema, parent, fingerprints, ctx, done, components, states);
            w.rollback();
          }
          return null;
        }));
      }
      // The main connection works too (it holds the locks).
      copyFrom(c, queue, schema, parent, fingerprints, ctx, done, components, states);
      for (Future<Void> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          queue.clear();
          throw Staging.rethrow(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while backing up");
        }
      }
    } catch (SQLException | IOException | RuntimeException e) {
      queue.clear();
      throw e;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Largest first, so that parallel workers finish together. */
  private static List<TableRef> bySizeDescending(Connection c, List<TableRef> tables) throws SQLException {
    Map<Long, Long> pages = new java.util.HashMap<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT oid, relpages FROM pg_class WHERE relkind = 'r'")) {
      while (rs.next()) {
        pages.put(rs.getLong(1), rs.getLong(2));
      }
    }
    List<TableRef> out = new ArrayList<>(tables);
    out.sort(Comparator.comparingLong((TableRef t) -> -pages.getOrDefault(t.oid(), 0L)));
    return out;
  }

  private static void copyFrom(Connection c, ConcurrentLinkedQueue<TableRef> queue, DatabaseSchema schema,
      Optional<DatastoreManifest> parent, SnapshotFingerprints fingerprints, BackupContext ctx, Map<String, ResourceSummary> done,
      Map<String, String> components, Map<String, String> states) throws SQLException, IOException {
    TableRef ref;
    while ((ref = queue.poll()) != null) {
      ctx.ensureActive();
      copyTable(c, ref, schema, parent, fingerprints, ctx, done, components, states);
    }
  }

  private static void copyTable(Connection c, TableRef ref, DatabaseSchema schema, Optional<DatastoreManifest> parent,
      SnapshotFingerprints fingerprints, BackupContext ctx, Map<String, ResourceSummary> done, Map<String, String> components,
      Map<String, String> states) throws SQLException, IOException {
    String name = ref.resourceName();
    String base = Sql.artifactBase(ref.schema(), ref.name());
    List<Column> columns = Catalog.columns(c, ref.oid()).stream().filter(col -> !col.generated()).toList();
    String tableSql = tableScript(schema, name);
    if (parent.isPresent()) {
      String component = Fingerprints.component(c, ref);
      String state = Digests.sha256Hex(component + "\n" + tableSql);
      Optional<ResourceSummary> reused = reuse(parent.get(), name, base, state, ctx);
      if (reused.isPresent()) {
        components.put(name, component);
        states.put(name, state);
        done.put(name, reused.get());
        return;
      }
    }
    String copyName = base + TableData.COPY_SUFFIX;
    String columnList = columns.isEmpty() ? ""
        : " (" + columns.stream().map(col -> Sql.quote(col.name())).collect(Collectors.joining(", ")) + ")";
    long rows;
    ProgressStream progress;
    OutputStream data = ctx.artifacts().create(copyName, "text/tab-separated-values");
    AsyncOutputStream async = new AsyncOutputStream(data, name);
    progress = new ProgressStream(async, ctx, "table " + name);
    boolean written = false;
    try {
      // COPY ... TO STDOUT (what pg_dump runs): the server's text format goes to storage byte for byte.
      rows = c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY " + ref.qualified() + columnList + " TO STDOUT", progress);
      async.finish();
      written = true;
    } finally {
      if (!written) {
        async.abort();
      }
    }
    data.close(); // completes the artifact, only after every byte was written
    progress.report();
    try (OutputStream out = ctx.artifacts().create(base + TableArtifact.JSON_SUFFIX, "application/json")) {
      TableData.writeHeader(out, new TableData.Header(ref.schema(), ref.name(),
          columns.stream().map(col -> new TableData.Column(col.name(), col.type())).toList(), rows, copyName));
    }
    try (OutputStream out = ctx.artifacts().create(base + TableArtifact.SQL_SUFFIX, "application/sql")) {
      out.write(tableSql.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    String component = fingerprints.component(ref).orElse(null);
    if (component == null) {
      component = Fingerprints.component(c, ref);
    }
    components.put(name, component);
    states.put(name, Digests.sha256Hex(component + "\n" + tableSql));
    done.put(name, new ResourceSummary("table", name, Map.of("rows", rows)));
  }

  /** The statements of a table's own objects (definition, defaults, keys, indexes, triggers, policies, comments, grants). */
  static String tableScript(DatabaseSchema schema, String table) {
    StringBuilder sb = new StringBuilder("-- Schema of ").append(Sql.printable(table)).append(", written by the maintenance postgres")
        .append(" plugin (format ").append(TableData.VERSION).append("); the whole database's is in ").append(DatabaseArtifact.SQL)
        .append(".\n-- Rows are in the matching ").append(TableData.COPY_SUFFIX).append(" artifact (COPY text format).\n")
        .append("SET search_path = pg_catalog;\n");
    for (SchemaObject o : schema.objects()) {
      if (table.equals(o.table()) && !o.kind().equals("view") && !o.kind().equals("matview")) {
        sb.append('\n');
        o.sql().forEach(q -> sb.append(q).append(";\n"));
      }
    }
    return sb.toString();
  }

  private static Optional<ResourceSummary> reuse(
      DatastoreManifest parent, String name, String base, String state, BackupContext ctx) {
    if (!state.equals(parent.metadata().get(STATE_PREFIX + name))) {
      return Optional.empty();
    }
    List<Optional<ArtifactInfo>> artifacts = List.of(artifact(parent, base + TableData.COPY_SUFFIX),
        artifact(parent, base + TableArtifact.JSON_SUFFIX), artifact(parent, base + TableArtifact.SQL_SUFFIX));
    Optional<ResourceSummary> summary = parent.resources().stream().filter(r -> r.name().equals(name)).findFirst();
    if (artifacts.stream().anyMatch(Optional::isEmpty) || summary.isEmpty()) {
      return Optional.empty();
    }
    artifacts.forEach(a -> ctx.artifacts().reuse(a.get()));
    return summary;
  }

  private static Optional<ArtifactInfo> artifact(DatastoreManifest m, String name) {
    return m.artifacts().stream().filter(a -> a.name().equals(name)).findFirst();
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** Counts bytes on their way to storage and reports them at a bounded rate (every 64 MiB). */
  static final class ProgressStream extends OutputStream {
    private static final long STEP = 64L << 20;
    private final OutputStream out;
    private final BackupContext ctx;
    private final String stage;
    private long bytes;
    private long next = STEP;

    ProgressStream(OutputStream out, BackupContext ctx, String stage) {
      this.out = out;
      this.ctx = ctx;
      this.stage = stage;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count(1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count(len);
    }

    private void count(long n) {
      bytes += n;
      if (bytes >= next) {
        next = bytes + STEP;
        report();
        try {
          ctx.ensureActive();
        } catch (MaintenanceException e) {
          throw e;
        }
      }
    }

    void report() {
      ctx.progress().onProgress(stage + " (bytes)", bytes, -1);
    }
  }
}
