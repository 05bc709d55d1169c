package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Operation;
import io.maintenance.api.OperationStatus;
import io.maintenance.api.Principal;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.MaintenanceEngine;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore drills on the real plugins (datastore-postgres, storage-local) and a real PostgreSQL server: the shop is
 * backed up, and each drill restores it into the scratch database {@code shop_drill} and discards it again. What
 * the sandbox holds afterwards is compared with what PostgreSQL's catalog says a database just created holds.
 */
class DrillsIT {
  private static final Principal OPS = Principal.system("ops");
  private static EmbeddedPostgres pg;
  private static int round;

  @TempDir
  Path storageDir;

  private String shopDb;
  private String sandboxDb;
  private String catalogDb;
  private final List<MaintenanceEngine> engines = new ArrayList<>();

  @BeforeAll
  static void startPostgres() throws Exception {
    pg = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    pg.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    int n = ++round;
    shopDb = "shop" + n;
    sandboxDb = "shop_drill" + n;
    catalogDb = "catalog" + n;
    sql("postgres", "CREATE DATABASE " + shopDb, "CREATE DATABASE " + sandboxDb, "CREATE DATABASE " + catalogDb,
        "CREATE DATABASE fresh" + n);
    new SampleShop(pg.getDatabase("postgres", shopDb)).create();
  }

  @AfterEach
  void tearDown() {
    engines.forEach(MaintenanceEngine::close);
  }

  private Map<String, String> config(String... extra) {
    Map<String, String> c = new HashMap<>(Map.of("storage.type", "local", "storage.path", storageDir.toString(),
        "datastores.shop.type", "postgres", "datastores.shop.url", pg.getJdbcUrl("postgres", shopDb),
        "datastores.shop.user", "postgres",
        "drills.shop.sandbox.url", pg.getJdbcUrl("postgres", sandboxDb), "drills.shop.sandbox.user", "postgres",
        "operations.progress-interval", "100ms"));
    for (int i = 0; i < extra.length; i += 2) {
      c.put(extra[i], extra[i + 1]);
    }
    return c;
  }

  private MaintenanceEngine engine(Map<String, String> settings) {
    return engine(settings, Clock.systemUTC());
  }

  private MaintenanceEngine engine(Map<String, String> settings, Clock clock) {
    MaintenanceEngine e = MaintenanceEngine.builder().dataSource(pg.getDatabase("postgres", catalogDb)).clock(clock).configure(settings)
        .build();
    engines.add(e);
    return e;
  }

  private static void sql(String db, String... statements) throws Exception {
    try (Connection c = pg.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }

  private static String query(String db, String sql) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Connection c = pg.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      int cols = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= cols; i++) {
          out.append(i > 1 ? "\t" : "").append(rs.getString(i));
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  /**
   * What PostgreSQL's catalog says a database holds beyond the system's own objects: every schema with its owner,
   * grants and comment, every relation, type, function, extension and default privilege.
   */
  private static String contents(String db) throws Exception {
    return query(db, "SELECT nspname, pg_get_userbyid(nspowner), nspacl::text, obj_description(oid, 'pg_namespace')"
        + " FROM pg_namespace ORDER BY 1")
        + query(db, "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1, 2")
        + query(db, "SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            + " WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1, 2")
        + query(db, "SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            + " WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1, 2")
        + query(db, "SELECT extname, extversion FROM pg_extension ORDER BY 1")
        + query(db, "SELECT defaclrole::regrole, defaclnamespace, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2, 3");
  }

  /** Every table of the shop with its row count and the MD5 of its rows. */
  private String shopState() throws Exception {
    return query(shopDb, "SELECT 'customers', count(*), md5(string_agg(x::text, ',' ORDER BY x::text)) FROM customers x")
        + query(shopDb, "SELECT 'orders', count(*), md5(string_agg(x::text, ',' ORDER BY x::text)) FROM orders x")
        + query(shopDb, "SELECT 'products', count(*), md5(string_agg(x::text, ',' ORDER BY x::text)) FROM products x")
        + contents(shopDb);
  }

  private String fresh() throws Exception {
    return contents("fresh" + round);
  }

  private static ProbeResult readiness(MaintenanceEngine engine, String component) {
    return engine.readiness(OPS).checks().stream().filter(c -> c.component().equals(component)).findFirst().orElseThrow();
  }

  private String drillRow(String taskId) throws Exception {
    return query(catalogDb, "SELECT datastore, backup_id, outcome, coalesce(error_code, '-') FROM maintenance_drills"
        + " WHERE task_id = '" + taskId + "'");
  }

  private static String metric(MaintenanceEngine engine, String name) {
    return engine.prometheusText(OPS).lines().filter(l -> l.startsWith(name)).findFirst().orElse("");
  }

  @Test
  void aDrillRestoresTheNewestBackupIntoTheSandboxProvesItAndLeavesTheSandboxEmpty() throws Exception {
    MaintenanceEngine engine = engine(config("drills.shop.max-age", "1h"));
    String empty = contents(sandboxDb);
    assertThat(empty).isEqualTo(fresh());
    assertThat(readiness(engine, "drill:shop").status()).isEqualTo(ProbeStatus.DEGRADED);
    assertThat(readiness(engine, "drill:shop").code()).isEqualTo("RESTORE_NOT_PROVEN");
    assertThat(metric(engine, "maintenance_last_verified_restore_timestamp_seconds")).as("absent until a drill passed").isEmpty();
    engine.backup(BackupRequest.builder().build(), OPS);
    BackupRecord newest = engine.backup(BackupRequest.builder().build(), OPS);
    Instant before = Instant.now();

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).as(drill.toString()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(drill.items()).singleElement().satisfies(i -> {
      assertThat(i.target()).isEqualTo("shop");
      assertThat(i.outcome()).isEqualTo("ok");
      assertThat(i.detail()).contains(newest.id(), "match their SHA-256", "public.customers 200 rows", "public.orders 1000 rows");
    });
    assertThat(drillRow(drill.taskId())).isEqualTo("shop\t" + newest.id() + "\tPASSED\t-\n");
    assertThat(contents(sandboxDb)).as("the sandbox after the drill").isEqualTo(empty);
    assertThat(readiness(engine, "drill:shop").status()).isEqualTo(ProbeStatus.UP);
    String gauge = metric(engine, "maintenance_last_verified_restore_timestamp_seconds{datastore=\"shop\"}");
    double at = Double.parseDouble(gauge.substring(gauge.lastIndexOf(' ') + 1));
    assertThat(at).isBetween(before.getEpochSecond() - 1.0, Instant.now().getEpochSecond() + 1.0);
    // Every replica reads the same from the catalog.
    MaintenanceEngine other = engine(config("drills.shop.max-age", "1h"));
    assertThat(readiness(other, "drill:shop").status()).isEqualTo(ProbeStatus.UP);
    assertThat(metric(other, "maintenance_last_verified_restore_timestamp_seconds{datastore=\"shop\"}")).isEqualTo(gauge);

    // The sandbox is reusable: the next drill passes too.
    assertThat(other.runTask(TaskRequest.of(TaskType.DRILL), OPS).status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(contents(sandboxDb)).isEqualTo(empty);
  }

  @Test
  void anIncrementalBackupIsDrilledThroughItsChain() throws Exception {
    MaintenanceEngine engine = engine(config());
    engine.backup(BackupRequest.builder().build(), OPS);
    sql(shopDb, "INSERT INTO products SELECT 'SKU-9' || i, 'late ' || i, 1, NULL, NULL, true FROM generate_series(1, 5) AS i");
    BackupRecord incremental = engine.backup(BackupRequest.builder().type(io.maintenance.api.BackupType.INCREMENTAL).build(), OPS);
    assertThat(incremental.parentId()).isPresent();

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).as(drill.toString()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(drill.items()).singleElement().satisfies(i -> assertThat(i.detail())
        .contains(incremental.id(), "public.products 55 rows", "public.customers 200 rows"));
    assertThat(contents(sandboxDb)).isEqualTo(fresh());
  }

  @Test
  void aDrillOfACorruptedBackupFailsWithIntegrityMismatchAndReadinessDegradesAfterMaxAge() throws Exception {
    MaintenanceEngine engine = engine(config("drills.shop.max-age", "3s"));
    engine.backup(BackupRequest.builder().build(), OPS);
    assertThat(engine.runTask(TaskRequest.of(TaskType.DRILL), OPS).status()).isEqualTo(TaskStatus.SUCCEEDED);
    Instant passed = Instant.now();
    assertThat(readiness(engine, "drill:shop").status()).isEqualTo(ProbeStatus.UP);
    BackupRecord corrupted = engine.backup(BackupRequest.builder().build(), OPS);
    Path artifact;
    try (Stream<Path> files = Files.walk(storageDir)) {
      artifact = files.filter(f -> f.toString().contains(corrupted.id()) && f.getFileName().toString().contains("orders_postgres.copy"))
          .findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(artifact);
    bytes[bytes.length / 2] ^= 1;
    Files.write(artifact, bytes);

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(drill.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("INTEGRITY_MISMATCH"));
    assertThat(drill.items()).singleElement().satisfies(i -> assertThat(i.outcome()).isEqualTo("INTEGRITY_MISMATCH"));
    assertThat(drillRow(drill.taskId())).isEqualTo("shop\t" + corrupted.id() + "\tFAILED\tINTEGRITY_MISMATCH\n");
    assertThat(contents(sandboxDb)).isEqualTo(fresh());
    assertThat(metric(engine, "maintenance_drill_failures_total{datastore=\"shop\"}")).endsWith(" 1.0");
    assertThat(engine.audit(io.maintenance.api.AuditQuery.latest(100), OPS))
        .anySatisfy(a -> assertThat(a.event().action() + " " + a.event().outcome()).isEqualTo("task.drill INTEGRITY_MISMATCH"));
    // The failed drill proves nothing: once the passing one is older than max-age, readiness says so.
    Thread.sleep(Math.max(0, Duration.between(Instant.now(), passed.plusSeconds(4)).toMillis()));
    ProbeResult stale = readiness(engine, "drill:shop");
    assertThat(stale.status()).isEqualTo(ProbeStatus.DEGRADED);
    assertThat(stale.code()).isEqualTo("RESTORE_NOT_PROVEN");
    assertThat(engine.readiness(OPS).status()).as("a drill never makes the service DOWN").isNotEqualTo(ProbeStatus.DOWN);
  }

  @Test
  void aSandboxPointedAtTheLiveDatabaseIsRefusedAndNothingChangesInIt() throws Exception {
    MaintenanceEngine engine = engine(config("drills.shop.sandbox.url", pg.getJdbcUrl("postgres", shopDb)));
    engine.backup(BackupRequest.builder().build(), OPS);
    String live = shopState();

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(drill.error()).hasValueSatisfying(e -> {
      assertThat(e.code()).isEqualTo("CONFIG_INVALID");
      assertThat(e.message()).contains("SANDBOX_NOT_EMPTY", "already holds");
    });
    assertThat(shopState()).isEqualTo(live);
  }

  @Test
  void aDrillScheduleIsFiredByTheScheduler() throws Exception {
    // A clock two seconds before a minute starts, so the every-minute schedule fires soon.
    Instant now = Instant.now();
    Instant minute = now.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plusSeconds(60);
    Clock clock = Clock.offset(Clock.systemUTC(), Duration.between(now, minute.minusSeconds(2)));
    MaintenanceEngine engine = engine(config("schedules.drill.cron", "* * * * *", "schedules.drill.kind", "drill",
        "schedules.drill.datastores", "shop", "scheduler.poll-interval", "200ms"), clock);
    engine.backup(BackupRequest.builder().build(), OPS);

    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<String> passed = List.of();
    while (passed.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      passed = query(catalogDb, "SELECT task_id FROM maintenance_drills WHERE outcome = 'PASSED'").lines().toList();
    }
    assertThat(passed).hasSize(1);
    assertThat(query(catalogDb, "SELECT requested_by FROM maintenance_tasks WHERE id = '" + passed.get(0) + "'"))
        .isEqualTo("schedule:drill\n");
    assertThat(contents(sandboxDb)).isEqualTo(fresh());
    assertThat(engine.schedules(OPS)).singleElement().satisfies(s -> assertThat(s.lastSuccessAt()).isPresent());
  }

  @Test
  void aSecondDrillOfTheSandboxIsRefusedAndACancelledDrillLeavesTheSandboxEmpty() throws Exception {
    sql(shopDb, "CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL)",
        "INSERT INTO events SELECT i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 300000) AS i");
    MaintenanceEngine engine = engine(config());
    engine.backup(BackupRequest.builder().build(), OPS);

    Operation op = engine.submitTask(TaskRequest.of(TaskType.DRILL), OPS);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Operation seen = op;
    while (!seen.phase().contains("restoring") && !seen.status().finished() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      seen = engine.findOperation(op.id(), OPS).orElseThrow();
    }
    assertThat(seen.phase()).contains("restoring");
    // One drill per sandbox at a time, also from another replica.
    MaintenanceEngine other = engine(config());
    assertThatThrownBy(() -> other.runTask(TaskRequest.of(TaskType.DRILL), OPS)).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.OPERATION_IN_PROGRESS));
    engine.cancelOperation(op.id(), OPS);
    while (!seen.status().finished() && System.nanoTime() < deadline) {
      Thread.sleep(50);
      seen = engine.findOperation(op.id(), OPS).orElseThrow();
    }

    assertThat(seen.status()).isEqualTo(OperationStatus.CANCELLED);
    assertThat(drillRow(op.target())).endsWith("\tFAILED\tCANCELLED\n");
    assertThat(contents(sandboxDb)).isEqualTo(fresh());
    // The claim was released: the next drill runs and passes.
    assertThat(engine.runTask(TaskRequest.of(TaskType.DRILL), OPS).status()).isEqualTo(TaskStatus.SUCCEEDED);
  }

  @Test
  void theCliRunsADrillWithExitCodesByOutcome() throws Exception {
    Path config = storageDir.resolve("drill.properties");
    List<String> lines = new ArrayList<>();
    config().forEach((k, v) -> lines.add(k + "=" + v));
    lines.add("catalog.url=" + pg.getJdbcUrl("postgres", catalogDb));
    Files.write(config, lines);
    CliRun none = CliRun.withConfig(config, "task", "drill");
    assertThat(none.status()).as("no backup yet: not found; " + none.err()).isEqualTo(4);
    assertThat(CliRun.withConfig(config, "backup").status()).isZero();

    CliRun ok = CliRun.withConfig(config, "task", "drill", "--datastore", "shop");
    assertThat(ok.status()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("\"status\" : \"SUCCEEDED\"");
    assertThat(CliRun.withConfig(config, "task", "drill", "--datastore", "nope").status()).isEqualTo(2);
    assertThat(CliRun.withConfig(config, "task", "drill", "--dry-run").status()).isEqualTo(2);
    assertThat(contents(sandboxDb)).isEqualTo(fresh());
  }

  @Test
  void configurationMistakesAreReportedTogetherAtStart() {
    Map<String, String> settings = config("drills.nope.sandbox.url", "jdbc:postgresql://127.0.0.1/x", "drills.shop.max-age", "soon",
        "drills.shop.sandbox.colour", "blue");
    assertThatThrownBy(() -> engine(settings)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
      assertThat(e.getMessage()).contains("drills.nope", "not a configured datastore", "max-age", "soon", "colour");
    });
    Map<String, String> noSandbox = new HashMap<>(config("drills.shop.max-age", "8d"));
    noSandbox.keySet().removeIf(k -> k.startsWith("drills.shop.sandbox."));
    assertThatThrownBy(() -> engine(noSandbox)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
      assertThat(e.getMessage()).contains("drills.shop.sandbox.*", "required");
    });
    assertThatThrownBy(() -> engine(config("schedules.d.cron", "0 3 * * *", "schedules.d.kind", "drill", "schedules.d.dry-run", "true")))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.getMessage()).contains("dry-run"));
  }
}
