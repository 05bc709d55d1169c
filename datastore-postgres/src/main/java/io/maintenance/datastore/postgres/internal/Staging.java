package io.maintenance.datastore.postgres.internal;

import io.maintenance.spi.RestoreContext;
import java.io.IOException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parallel restore without giving up all-or-nothing: PostgreSQL cannot share one transaction between
 * connections, so {@code jobs} connections each create a table the restore creates in a private staging
 * schema ({@code maintenance_stage_<random>_<n>}, one per target schema), load its rows with COPY and
 * build its keys and indexes, and commit that. Nothing the application can see has changed: the staged
 * tables are new relations in schemas nobody uses. The restore's own transaction then moves each staged
 * table into place with {@code ALTER TABLE ... SET SCHEMA} (a catalog update, no copy), creates
 * everything else and commits; that single commit is the moment the restore becomes visible. If
 * anything fails, that transaction rolls back and the staging schemas are dropped; if the process dies,
 * the next restore drops them.
 *
 * <p>A table is staged when the restore creates it (it is missing, or its definition changes) and
 * everything its definition needs already exists unchanged (built-in types, or types, collations and
 * functions the target has): a worker cannot see what the restore's transaction has not committed. The
 * other tables load in that transaction, as without jobs.
 */
final class Staging implements AutoCloseable {
  static final String PREFIX = "maintenance_stage_";
  private static final Logger LOG = LoggerFactory.getLogger(Staging.class);

  /** A table to stage: its header, where it goes, and the post-data objects built with it. */
  record Job(TableData.Header header, SchemaObject table, String stageName, String finalSchema, List<SchemaObject> builtWith) {}

  private final DataSource ds;
  private final Map<String, String> stageSchemas;
  private final Map<String, CompletableFuture<Long>> loaded = new LinkedHashMap<>();
  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private final ExecutorService pool;
  /** The first table that failed: what every table still waiting reports. */
  private final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();

  private Staging(DataSource ds, Map<String, String> stageSchemas, ExecutorService pool) {
    this.ds = ds;
    this.stageSchemas = stageSchemas;
    this.pool = pool;
  }

  /** Drops staging schemas a dead restore left behind (the engine runs one restore at a time). */
  static void dropLeftovers(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(true);
      List<String> schemas = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT quote_ident(nspname) FROM pg_namespace WHERE nspname LIKE 'maintenance\\_stage\\_%'")) {
        while (rs.next()) {
          schemas.add(rs.getString(1));
        }
      }
      for (String s : schemas) {
        try (Statement st = c.createStatement()) {
          st.execute("DROP SCHEMA IF EXISTS " + s + " CASCADE");
        }
      }
    }
  }

  /**
   * Chooses the tables to stage and starts loading them on {@code workers} connections; none when no
   * table qualifies.
   */
  static Staging start(DataSource ds, Settings settings, RestoreContext ctx, DatabaseSchema backup, Set<String> created,
      Set<String> unchangedLive, Map<String, TableData.Header> headers) throws SQLException {
    Map<String, SchemaObject> byId = backup.byId();
    List<Job> chosen = new ArrayList<>();
    Map<String, String> stageSchemas = new LinkedHashMap<>();
    String token = HexFormat.of().formatHex(SecureRandom.getSeed(4));
    for (TableData.Header h : headers.values()) {
      SchemaObject table = byId.values().stream().filter(o -> o.kind().equals("table") && h.resourceName().equals(o.table()))
          .findFirst().orElse(null);
      if (table == null || !created.contains(table.id()) || !stageable(table, byId, unchangedLive)) {
        continue;
      }
      String stage = stageSchemas.computeIfAbsent(h.schema(), s -> PREFIX + token + "_" + stageSchemas.size());
      String stageName = Sql.quote(stage) + "." + Sql.quote(h.table());
      List<SchemaObject> with = new ArrayList<>();
      for (SchemaObject o : backup.objects()) {
        if ((o.kind().equals("constraint") || o.kind().equals("index")) && h.resourceName().equals(o.table()) && o.sql().size() == 1
            && created.contains(o.id()) && o.dependsOn().stream().allMatch(d -> d.equals(table.id()) || unchangedLive.contains(d)
                || "schema".equals(kindOf(byId, d))) && rename(o, table, stageName) != null) {
          with.add(o);
        }
      }
      chosen.add(new Job(h, table, stageName, h.schema(), with));
    }
    if (chosen.isEmpty()) {
      return null;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(settings.jobs(), chosen.size()), r -> {
      Thread t = new Thread(r, "maintenance-postgres-restore");
      t.setDaemon(true);
      return t;
    });
    Staging s = new Staging(ds, stageSchemas, pool);
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(true);
      for (String stage : stageSchemas.values()) {
        try (Statement st = c.createStatement()) {
          st.execute("CREATE SCHEMA " + Sql.quote(stage));
        }
      }
    }
    // Largest first, so that the workers finish together.
    chosen.sort(java.util.Comparator.comparingLong((Job j) -> -j.header().rowCount()));
    ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>(chosen);
    for (Job j : chosen) {
      s.jobs.put(j.table().id(), j);
      s.loaded.put(j.table().id(), new CompletableFuture<>());
    }
    for (int i = 0; i < Math.min(settings.jobs(), chosen.size()); i++) {
      pool.submit(() -> s.work(queue, settings, ctx));
    }
    return s;
  }

  private static String kindOf(Map<String, SchemaObject> byId, String id) {
    SchemaObject o = byId.get(id);
    return o == null ? null : o.kind();
  }

  /** A plain table (no partitioning, inheritance or attachment) whose needs all exist unchanged already. */
  private static boolean stageable(SchemaObject table, Map<String, SchemaObject> byId, Set<String> unchangedLive) {
    String create = table.sql().get(0);
    String name = table.id().substring("table ".length());
    if (!(create.startsWith("CREATE TABLE " + name + " (") || create.startsWith("CREATE UNLOGGED TABLE " + name + " ("))
        || create.contains(") INHERITS (") || create.contains(") PARTITION BY ")
        || table.sql().stream().anyMatch(q -> q.contains(" ATTACH PARTITION "))) {
      return false;
    }
    return table.dependsOn().stream().allMatch(d -> unchangedLive.contains(d) || "schema".equals(kindOf(byId, d)));
  }

  /** The object's one statement naming the staged table instead of the final one, or null if it cannot be rewritten. */
  static String rename(SchemaObject o, SchemaObject table, String stageName) {
    String name = table.id().substring("table ".length());
    String sql = o.sql().get(0);
    for (String[] pattern : List.of(new String[] {"CREATE TABLE " + name + " (", "CREATE TABLE " + stageName + " ("},
        new String[] {"CREATE UNLOGGED TABLE " + name + " (", "CREATE UNLOGGED TABLE " + stageName + " ("},
        new String[] {"ALTER TABLE ONLY " + name + " ADD CONSTRAINT ", "ALTER TABLE ONLY " + stageName + " ADD CONSTRAINT "})) {
      if (sql.startsWith(pattern[0])) {
        return pattern[1] + sql.substring(pattern[0].length());
      }
    }
    String on = " ON " + name + " USING ";
    int at = sql.indexOf(on);
    if ((sql.startsWith("CREATE INDEX ") || sql.startsWith("CREATE UNIQUE INDEX ")) && at > 0 && sql.indexOf(on, at + 1) < 0) {
      return sql.substring(0, at) + " ON " + stageName + " USING " + sql.substring(at + on.length());
    }
    return null;
  }

  private void work(ConcurrentLinkedQueue<Job> queue, Settings settings, RestoreContext ctx) {
    Job j;
    while ((j = queue.poll()) != null) {
      CompletableFuture<Long> done = loaded.get(j.table().id());
      try {
        done.complete(load(j, settings, ctx));
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
        done.completeExceptionally(e);
        // The restore fails: the others need not be loaded.
        Job rest;
        while ((rest = queue.poll()) != null) {
          loaded.get(rest.table().id()).cancel(false);
        }
      }
    }
  }

  private long load(Job j, Settings settings, RestoreContext ctx) throws SQLException, IOException {
    ctx.ensureActive();
    try (Connection w = ds.getConnection()) {
      w.setAutoCommit(false);
      try {
        Catalog.configureSession(w);
        Jdbc.exec(w, "SET LOCAL check_function_bodies = false");
        Jdbc.exec(w, rename(j.table(), j.table(), j.stageName()));
        long rows = TableRows.load(w, ctx, j.header(), j.stageName());
        for (SchemaObject o : j.builtWith()) {
          Jdbc.exec(w, rename(o, j.table(), j.stageName()));
        }
        w.commit();
        ctx.progress().onProgress("table " + j.header().resourceName() + " (staged)", rows, rows);
        return rows;
      } finally {
        if (!w.getAutoCommit()) {
          w.rollback();
        }
      }
    }
  }

  boolean staged(String tableId) {
    return jobs.containsKey(tableId);
  }

  boolean builtWith(String objectId) {
    return jobs.values().stream().anyMatch(j -> j.builtWith().stream().anyMatch(o -> o.id().equals(objectId)));
  }

  /** Waits for a staged table and moves it into place in the restore's transaction; returns its row count. */
  long moveInto(Connection c, String tableId) throws SQLException, IOException {
    Job j = jobs.get(tableId);
    long rows;
    try {
      rows = loaded.get(tableId).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for " + j.header().resourceName());
    } catch (java.util.concurrent.CancellationException e) {
      throw rethrow(failure.get() != null ? failure.get()
          : new IOException("loading " + j.header().resourceName() + " was cancelled"));
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    }
    Jdbc.exec(c, "ALTER TABLE " + j.stageName() + " SET SCHEMA " + Sql.quote(j.finalSchema()));
    return rows;
  }

  /** A worker's failure as what the caller declares: SQL and runtime failures as they are, the rest as IO. */
  static IOException rethrow(Throwable cause) throws SQLException {
    if (cause instanceof SQLException se) {
      throw se;
    }
    if (cause instanceof IOException io) {
      return io;
    }
    if (cause instanceof RuntimeException re) {
      throw re;
    }
    return new IOException(cause);
  }

  /** In the restore's transaction, once every staged table has moved: the staging schemas are empty. */
  void dropSchemas(Connection c) throws SQLException {
    for (String stage : stageSchemas.values()) {
      Jdbc.exec(c, "DROP SCHEMA " + Sql.quote(stage));
    }
  }

  /**
   * After the restore's transaction ended: stops the workers and drops what is left of the staging
   * schemas (everything when the restore failed; nothing when it committed, which dropped them).
   */
  @Override
  public void close() {
    pool.shutdownNow();
    loaded.values().forEach(f -> f.cancel(true));
    try {
      pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(true);
      for (String stage : stageSchemas.values()) {
        try (Statement st = c.createStatement()) {
          st.execute("DROP SCHEMA IF EXISTS " + Sql.quote(stage) + " CASCADE");
        }
      }
    } catch (SQLException e) {
      LOG.warn("could not drop the staging schemas {} ({}); the next restore drops them", stageSchemas.values(), e.toString());
    }
  }
}
