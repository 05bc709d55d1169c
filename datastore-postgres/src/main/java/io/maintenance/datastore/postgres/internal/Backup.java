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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
        rollbackQuietly(c);
      }
    } catch (SQLException e) {
      throw PostgresErrors.datastore("backup failed", e);
    }
  }

  private static DatastoreBackup backup(DataSource ds, Connection c, Settings settings, BackupContext ctx)
      throws SQLException, IOException {
    List<TableRef> tables = Catalog.tables(c, settings.selector());
    Jdbc.lockTimeout(c, settings.lockTimeout());
    if (!tables.isEmpty()) {
      // Like pg_dump: ACCESS SHARE locks, so no table is dropped or altered while the backup runs.
      Jdbc.exec(c, "LOCK TABLE " + tables.stream().map(TableRef::qualified).collect(Collectors.joining(", ")) + " IN ACCESS SHARE MODE");
    }
    Optional<DatastoreManifest> parent = ctx.type() == BackupType.INCREMENTAL ? ctx.parent() : Optional.empty();
    // The schema is read in the same snapshot on a second connection while the rows are copied here; an
    // incremental backup needs it first (to compare each table with the parent's), and so does a failure of
    // the second connection (then it is read here, after the rows).
    CompletableFuture<DatabaseSchema> schema = new CompletableFuture<>();
    CompletableFuture<Void> beside = CompletableFuture.completedFuture(null);
    if (parent.isPresent() || tables.isEmpty()) {
      schema.complete(SchemaReader.read(c, settings.selector()::selects, settings.selector().everything()));
    } else {
      beside = readBeside(ds, c, settings, schema);
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", TableArtifact.FORMAT + "/" + TableData.VERSION);
    SideWriter side = new SideWriter();
    try {
      // Small artifacts are written (and made durable) beside the copy, not in its way.
      side.submit(() -> {
        DatabaseSchema s = await(schema);
        try (OutputStream out = ctx.artifacts().create(DatabaseArtifact.JSON, "application/json")) {
          DatabaseArtifact.write(out, s);
        }
        try (OutputStream out = ctx.artifacts().create(DatabaseArtifact.SQL, "application/sql")) {
          DatabaseArtifact.writeSql(out, s);
        }
      });
      SnapshotFingerprints fingerprints = parent.isEmpty() && !tables.isEmpty()
          ? SnapshotFingerprints.start(ds, c, tables) : SnapshotFingerprints.none();
      Map<String, ResourceSummary> done = new ConcurrentHashMap<>();
      Map<String, String> components = new ConcurrentHashMap<>();
      Map<String, String> states = new ConcurrentHashMap<>();
      try {
        copyAll(ds, c, settings, tables, serverVersionNum(c), schema, parent, fingerprints, ctx, done, components, states, side);
        if (!schema.isDone()) {
          beside.join();
          if (!schema.isDone()) {
            schema.complete(SchemaReader.read(c, settings.selector()::selects, settings.selector().everything()));
          }
        }
        side.await();
        for (TableRef t : tables) {
          if (!components.containsKey(t.resourceName())) {
            // The second connection could not give it: computed here, in the same snapshot.
            String component = Fingerprints.component(c, t);
            components.put(t.resourceName(), component);
            states.put(t.resourceName(), Digests.sha256Hex(component + "\n" + tableScript(schema.join(), t.resourceName())));
          }
        }
      } finally {
        fingerprints.close();
      }
      DatabaseSchema s = schema.join();
      metadata.put("serverVersion", s.serverVersion());
      metadata.put("serverVersionNum", Integer.toString(s.serverVersionNum()));
      if (!s.unsupported().isEmpty()) {
        metadata.put("notBackedUp", String.join("; ", s.unsupported()));
      }
      List<ResourceSummary> resources = new ArrayList<>();
      resources.add(new ResourceSummary(Fingerprints.SCHEMA_KIND, Fingerprints.SCHEMA, Map.of("objects", (long) s.objects().size())));
      Map<String, String> fp = new LinkedHashMap<>();
      fp.put(Fingerprints.SCHEMA, Fingerprints.schemaComponent(s));
      for (TableRef t : tables) {
        resources.add(done.get(t.resourceName()));
        fp.put(t.resourceName(), components.get(t.resourceName()));
        metadata.put(STATE_PREFIX + t.resourceName(), states.get(t.resourceName()));
      }
      return new DatastoreBackup(Fingerprint.of(fp), resources, metadata);
    } finally {
      // A failed backup releases what waits for the schema before stopping the side writer.
      schema.completeExceptionally(new IOException("the backup failed"));
      side.close();
    }
  }

  /** The schema, waiting for it (interruptibly: a failing backup stops its side writer). */
  private static DatabaseSchema await(CompletableFuture<DatabaseSchema> schema) throws IOException {
    try {
      return schema.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for the schema");
    } catch (ExecutionException e) {
      throw new IOException("the schema could not be read", e.getCause());
    }
  }

  private static int serverVersionNum(Connection c) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /**
   * Reads the schema on another connection that imports this transaction's snapshot; completes
   * {@code schema} when it succeeds, leaves it to the caller otherwise.
   */
  private static CompletableFuture<Void> readBeside(DataSource ds, Connection c, Settings settings,
      CompletableFuture<DatabaseSchema> schema) throws SQLException {
    String snapshot;
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
      rs.next();
      snapshot = rs.getString(1);
    }
    return CompletableFuture.runAsync(() -> {
      try (Connection r = ds.getConnection()) {
        r.setAutoCommit(false);
        r.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        r.setReadOnly(true);
        try (Statement st = r.createStatement()) {
          st.execute("SET TRANSACTION SNAPSHOT " + Sql.literal(snapshot));
        }
        Catalog.configureSession(r);
        schema.complete(SchemaReader.read(r, settings.selector()::selects, settings.selector().everything()));
        r.rollback();
      } catch (SQLException | RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(Backup.class).debug("reading the schema beside the copy failed ({});"
            + " the backup connection does it", e.toString());
      }
    });
  }

  /** One COPY: a whole table, or one block range of a large one. */
  private record Part(Work table, int index, long fromBlock, long toBlock) {}

  /** A table being copied: its parts report here; the last one to finish writes the header. */
  private static final class Work {
    final TableRef ref;
    final List<Column> columns;
    final CompletableFuture<DatabaseSchema> schema;
    final long[] rows;
    final java.util.concurrent.atomic.AtomicInteger remaining;

    Work(TableRef ref, List<Column> columns, CompletableFuture<DatabaseSchema> schema, int parts) {
      this.ref = ref;
      this.columns = columns;
      this.schema = schema;
      this.rows = new long[parts];
      this.remaining = new java.util.concurrent.atomic.AtomicInteger(parts);
    }
  }

  private static void copyAll(DataSource ds, Connection c, Settings settings, List<TableRef> order, int serverVersionNum,
      CompletableFuture<DatabaseSchema> schema, Optional<DatastoreManifest> parent, SnapshotFingerprints fingerprints,
      BackupContext ctx, Map<String, ResourceSummary> done, Map<String, String> components, Map<String, String> states,
      SideWriter side) throws SQLException, IOException {
    int jobs = settings.jobs();
    Map<Long, Long> blocks = blocks(c);
    long splitBlocks = Math.max(1, settings.splitBytes() / 8192);
    ConcurrentLinkedQueue<Part> queue = new ConcurrentLinkedQueue<>();
    boolean split = jobs > 1 && serverVersionNum >= 140000; // TID range scans
    for (TableRef ref : bySizeDescending(order, blocks)) {
      String name = ref.resourceName();
      List<Column> columns = Catalog.columns(c, ref.oid()).stream().filter(col -> !col.generated()).toList();
      if (parent.isPresent()) {
        String component = Fingerprints.component(c, ref);
        String state = Digests.sha256Hex(component + "\n" + tableScript(schema.join(), name));
        Optional<ResourceSummary> reused = reuse(parent.get(), ref, state, ctx);
        if (reused.isPresent()) {
          components.put(name, component);
          states.put(name, state);
          done.put(name, reused.get());
          continue;
        }
      }
      long size = blocks.getOrDefault(ref.oid(), 0L);
      int parts = split && size >= splitBlocks && size >= jobs && !columns.isEmpty() ? jobs : 1;
      Work w = new Work(ref, columns, schema, parts);
      for (int i = 0; i < parts; i++) {
        queue.add(new Part(w, i, size * i / parts, i == parts - 1 ? -1 : size * (i + 1) / parts));
      }
    }
    int workers = Math.max(1, Math.min(jobs, queue.size()));
    if (workers == 1) {
      copyFrom(c, queue, fingerprints, ctx, done, components, states, side);
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
              st.execute("SET TRANSACTION SNAPSHOT " + Sql.literal(snapshot));
            }
            Catalog.configureSession(w);
            copyFrom(w, queue, fingerprints, ctx, done, components, states, side);
            w.rollback();
          }
          return null;
        }));
      }
      // The main connection works too (it holds the locks).
      copyFrom(c, queue, fingerprints, ctx, done, components, states, side);
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

  /** Every table's size in blocks, as the snapshot's transaction sees the files (rows added later are not read). */
  private static Map<Long, Long> blocks(Connection c) throws SQLException {
    Map<Long, Long> out = new java.util.HashMap<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT oid, pg_relation_size(oid)"
        + " / current_setting('block_size')::bigint FROM pg_class WHERE relkind = 'r'")) {
      while (rs.next()) {
        out.put(rs.getLong(1), rs.getLong(2));
      }
    }
    return out;
  }

  /** Largest first, so that parallel workers finish together. */
  private static List<TableRef> bySizeDescending(List<TableRef> tables, Map<Long, Long> blocks) {
    List<TableRef> out = new ArrayList<>(tables);
    out.sort(Comparator.comparingLong((TableRef t) -> -blocks.getOrDefault(t.oid(), 0L)));
    return out;
  }

  private static void copyFrom(Connection c, ConcurrentLinkedQueue<Part> queue, SnapshotFingerprints fingerprints,
      BackupContext ctx, Map<String, ResourceSummary> done, Map<String, String> components, Map<String, String> states,
      SideWriter side) throws SQLException, IOException {
    Part part;
    while ((part = queue.poll()) != null) {
      ctx.ensureActive();
      copyPart(c, part, ctx);
      if (part.table().remaining.decrementAndGet() == 0) {
        Work w = part.table();
        side.submit(() -> finish(w, fingerprints, ctx, done, components, states));
      }
    }
  }

  private static void copyPart(Connection c, Part part, BackupContext ctx) throws SQLException, IOException {
    Work w = part.table();
    String name = w.ref.resourceName();
    String artifact = TableData.partName(Sql.artifactBase(w.ref.schema(), w.ref.name()), part.index());
    String columnList = w.columns.stream().map(col -> Sql.quote(col.name())).collect(Collectors.joining(", "));
    // COPY ... TO STDOUT (what pg_dump runs): the server's text format goes to storage byte for byte. A part of a
    // split table is a TID range scan of its blocks.
    String sql = w.rows.length == 1 ? "COPY " + w.ref.qualified() + (columnList.isEmpty() ? "" : " (" + columnList + ")") + " TO STDOUT"
        : "COPY (SELECT " + columnList + " FROM ONLY " + w.ref.qualified() + " WHERE ctid >= '(" + part.fromBlock() + ",0)'::tid"
            + (part.toBlock() < 0 ? "" : " AND ctid < '(" + part.toBlock() + ",0)'::tid") + ") TO STDOUT";
    OutputStream data = ctx.artifacts().create(artifact, "text/tab-separated-values");
    AsyncOutputStream async = new AsyncOutputStream(data, name);
    ProgressStream progress = new ProgressStream(async, ctx, "table " + name);
    boolean written = false;
    try {
      w.rows[part.index()] = c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, progress);
      async.finish();
      written = true;
    } finally {
      if (!written) {
        async.abort();
      }
    }
    data.close(); // completes the artifact, only after every byte was written
    progress.report();
  }

  /**
   * After the last part of a table (on the side writer): its header, its script, its fingerprint component
   * (left out when the second connection could not compute it: the backup connection does it at the end).
   */
  private static void finish(Work w, SnapshotFingerprints fingerprints, BackupContext ctx, Map<String, ResourceSummary> done,
      Map<String, String> components, Map<String, String> states) throws IOException {
    TableRef ref = w.ref;
    String name = ref.resourceName();
    String base = Sql.artifactBase(ref.schema(), ref.name());
    long rows = java.util.Arrays.stream(w.rows).sum();
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < w.rows.length; i++) {
      parts.add(TableData.partName(base, i));
    }
    try (OutputStream out = ctx.artifacts().create(base + TableArtifact.JSON_SUFFIX, "application/json")) {
      TableData.writeHeader(out, new TableData.Header(ref.schema(), ref.name(),
          w.columns.stream().map(col -> new TableData.Column(col.name(), col.type())).toList(), rows, parts));
    }
    String tableSql = tableScript(await(w.schema), name);
    try (OutputStream out = ctx.artifacts().create(base + TableArtifact.SQL_SUFFIX, "application/sql")) {
      out.write(tableSql.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    fingerprints.component(ref).ifPresent(component -> {
      components.put(name, component);
      states.put(name, Digests.sha256Hex(component + "\n" + tableSql));
    });
    done.put(name, new ResourceSummary("table", name, Map.of("rows", rows)));
  }

  /** One thread writing the small artifacts in order, so the copy never waits for their fsyncs. */
  private static final class SideWriter implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "maintenance-postgres-artifacts");
      t.setDaemon(true);
      return t;
    });
    private final List<Future<Void>> tasks = java.util.Collections.synchronizedList(new ArrayList<>());

    interface Task {
      void run() throws IOException;
    }

    void submit(Task task) {
      tasks.add(thread.submit(() -> {
        task.run();
        return null;
      }));
    }

    /** Waits for everything submitted; the first failure is thrown. */
    void await() throws SQLException, IOException {
      for (Future<Void> f : List.copyOf(tasks)) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw Staging.rethrow(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while writing artifacts");
        }
      }
    }

    @Override
    public void close() {
      thread.shutdownNow();
      try {
        thread.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
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

  private static Optional<ResourceSummary> reuse(DatastoreManifest parent, TableRef ref, String state, BackupContext ctx) {
    String name = ref.resourceName();
    String base = Sql.artifactBase(ref.schema(), ref.name());
    if (!state.equals(parent.metadata().get(STATE_PREFIX + name))) {
      return Optional.empty();
    }
    List<Optional<ArtifactInfo>> artifacts = new ArrayList<>(List.of(artifact(parent, base + TableArtifact.JSON_SUFFIX),
        artifact(parent, base + TableArtifact.SQL_SUFFIX), artifact(parent, TableData.partName(base, 0))));
    for (int i = 1; artifact(parent, TableData.partName(base, i)).isPresent(); i++) {
      artifacts.add(artifact(parent, TableData.partName(base, i)));
    }
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

  /** Ends the read-only transaction; a failure here must not hide the one that brought us here. */
  private static void rollbackQuietly(Connection c) {
    try {
      if (!c.getAutoCommit()) {
        c.rollback();
      }
    } catch (SQLException e) {
      org.slf4j.LoggerFactory.getLogger(Backup.class).debug("rolling back the backup transaction failed", e);
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
