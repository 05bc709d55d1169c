package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.Principal;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.tck.InMemoryStorage;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Restore drills through the engine (catalog on an embedded PostgreSQL): the live server's graphs backed up, a
 * DRILL task restoring them into the sandbox configured as {@code drills.graphs.sandbox.uri} (the second
 * server), proving them and discarding them, with the catalog, readiness and metric following; and a drill of
 * a backup with one flipped byte in storage failing with {@code INTEGRITY_MISMATCH}. The sandbox holds an
 * unrelated graph and key throughout, and is left exactly as it was.
 */
class EngineDrillIT {
  private static final Principal OPS = Principal.system("ops");
  private static EmbeddedPostgres pg;
  private static int round;
  private static FalkorConnection live;
  private static FalkorConnection sandbox;

  private final InMemoryStorage storage = new InMemoryStorage();
  private MaintenanceEngine engine;
  private String before;

  @BeforeAll
  static void start() throws Exception {
    pg = EmbeddedPostgres.builder().start();
    live = TestServer.connect();
    sandbox = TestServer.connect(TestServer.targetUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    TestServer.dropGraphs(live, "drill_");
    TestServer.dropGraphs(sandbox, "drill_");
    sandbox.delete("drill_plain");
    live.close();
    sandbox.close();
    pg.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    TestServer.dropGraphs(live, "drill_");
    Corpus.seed(live, "drill_corpus");
    TestServer.query(live, "drill_social", "CREATE (a:Person {uid: 1, name: 'Ada'}), (b:Person {uid: 2}), (a)-[:KNOWS]->(b)");
    TestServer.dropGraphs(sandbox, "drill_");
    TestServer.query(sandbox, "drill_unrelated", "CREATE (:Keep {v: 1})");
    sandbox.raw("SET", "drill_plain", "untouched");
    before = sandboxState();

    engine = engine(TestServer.targetUrl());
  }

  private MaintenanceEngine engine(String sandboxUri) throws Exception {
    String catalog = "catalog" + ++round;
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + catalog);
    }
    return MaintenanceEngine.builder().dataSource(pg.getDatabase("postgres", catalog)).storage(storage)
        .datastore(TestServer.datastore("graphs").include("drill_*").build())
        .drill("graphs", Map.of("sandbox.uri", sandboxUri, "max-age", "8d"))
        .build();
  }

  @AfterEach
  void tearDown() {
    engine.close();
  }

  private static String sandboxState() {
    StringBuilder sb = new StringBuilder();
    for (String k : new TreeSet<>(TestServer.keys(sandbox, "*"))) {
      if (k.equals("telemetry{drill_unrelated}")) {
        continue; // FalkorDB's log of the queries this test runs on that graph
      }
      sb.append(k).append(' ').append(FalkorConnection.text(sandbox.raw("TYPE", k))).append('\n');
    }
    return sb.append(Canonical.of(sandbox, "drill_unrelated")).append(FalkorConnection.text(sandbox.raw("GET", "drill_plain")))
        .toString();
  }

  private BackupRecord backup() {
    BackupRecord b = engine.backup(BackupRequest.all(), OPS);
    assertThat(b.status()).isEqualTo(BackupStatus.SUCCEEDED);
    return b;
  }

  private ProbeResult drillReadiness() {
    return engine.readiness(OPS).checks().stream().filter(c -> c.component().equals("drill:graphs")).findFirst().orElseThrow();
  }

  /** A metric's line as Prometheus scrapes it, or "" when it is not exported. */
  private String metric(String name) {
    return engine.prometheusText(OPS).lines().filter(l -> l.startsWith(name)).findFirst().orElse("");
  }

  @Test
  void aDrillRestoresTheLatestBackupIntoTheSandboxProvesItAndLeavesTheSandboxAsItWas() {
    assertThat(drillReadiness().status()).isEqualTo(ProbeStatus.DEGRADED);
    backup();

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).as(drill.toString()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(drill.items()).singleElement().satisfies(i -> {
      assertThat(i.target()).isEqualTo("graphs");
      assertThat(i.outcome()).isEqualTo("ok");
      assertThat(i.detail()).contains("match their SHA-256").contains("drill_corpus").contains("drill_social");
    });
    assertThat(sandboxState()).isEqualTo(before);
    assertThat(drillReadiness().status()).isEqualTo(ProbeStatus.UP);
    assertThat(metric("maintenance_last_verified_restore_timestamp_seconds{datastore=\"graphs\"}")).isNotEmpty()
        .doesNotEndWith(" NaN");
    // The sandbox takes the next drill.
    assertThat(engine.runTask(TaskRequest.of(TaskType.DRILL), OPS).status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(sandboxState()).isEqualTo(before);
  }

  @Test
  void aDrillOfABackupWithACorruptedArtifactFailsWithIntegrityMismatchAndLeavesTheSandboxAsItWas() {
    backup();
    List<String> dumps = storage.backing().keys().stream().filter(k -> k.endsWith(".dump")).toList();
    assertThat(dumps).hasSize(2);
    byte[] bytes = storage.backing().bytes(dumps.get(0)).orElseThrow();
    bytes[bytes.length / 2] ^= 0x01;
    storage.backing().tamper(dumps.get(0), bytes);

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(drill.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("INTEGRITY_MISMATCH"));
    assertThat(drill.items()).singleElement().satisfies(i -> assertThat(i.outcome()).isEqualTo("INTEGRITY_MISMATCH"));
    assertThat(sandboxState()).isEqualTo(before);
    assertThat(drillReadiness().status()).isEqualTo(ProbeStatus.DEGRADED);
    assertThat(metric("maintenance_last_verified_restore_timestamp_seconds")).isEmpty();
    assertThat(metric("maintenance_drill_failures_total{datastore=\"graphs\"}")).endsWith(" 1.0");
  }

  @Test
  void aSandboxInAnotherDatabaseOfTheLiveServerFailsTheDrillAndChangesNothing() throws Exception {
    engine.close();
    engine = engine(TestServer.url() + "/1");
    backup();
    String liveBefore = Canonical.of(live, "drill_corpus") + Canonical.of(live, "drill_social");

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(drill.error()).hasValueSatisfying(e -> {
      assertThat(e.code()).isEqualTo("CONFIG_INVALID");
      assertThat(e.message()).contains("another logical database").contains("separate FalkorDB server");
    });
    try (FalkorConnection db1 = TestServer.connect(TestServer.url(), 1)) {
      assertThat(TestServer.keys(db1, "*")).isEmpty();
    }
    assertThat(Canonical.of(live, "drill_corpus") + Canonical.of(live, "drill_social")).isEqualTo(liveBefore);
    assertThat(drillReadiness().status()).isEqualTo(ProbeStatus.DEGRADED);
  }
}
