package io.maintenance.datastore.qdrant;

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
import io.maintenance.tck.InMemoryStorage;
import io.qdrant.client.grpc.Collections.AliasDescription;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Restore drills through the engine (catalog on an embedded PostgreSQL): the single node's collections backed up,
 * a DRILL task restoring them into the sandbox node configured as {@code drills.vectors.sandbox.*}, proving and
 * discarding them, with readiness and the metric following; a drill of a backup with one flipped byte in a stored
 * snapshot failing with {@code INTEGRITY_MISMATCH}; and a sandbox pointed at the live server refused. The sandbox
 * holds an unrelated collection and alias throughout, and is left exactly as it was (Qdrant's own scroll).
 */
class QdrantServerEngineDrillIT {
  private static final Principal OPS = Principal.system("ops");
  private static EmbeddedPostgres pg;
  private static int round;
  private static QdrantFixture live;
  private static QdrantFixture sandbox;

  private final InMemoryStorage storage = new InMemoryStorage();
  private MaintenanceEngine engine;
  private String before;

  @BeforeAll
  static void start() throws Exception {
    pg = EmbeddedPostgres.builder().start();
    live = QdrantServers.single().fixture();
    sandbox = QdrantServers.sandbox().fixture();
  }

  @AfterAll
  static void stop() throws Exception {
    live.close();
    sandbox.close();
    pg.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    live.seed();
    for (AliasDescription a : sandbox.client.listAliasesAsync().get()) {
      sandbox.client.deleteAliasAsync(a.getAliasName()).get();
    }
    for (String c : sandbox.client.listCollectionsAsync().get()) {
      sandbox.client.deleteCollectionAsync(c).get();
    }
    sandbox.client.createCollectionAsync("unrelated", VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot).build()).get();
    sandbox.client.upsertAsync("unrelated", List.of(io.qdrant.client.grpc.Points.PointStruct.newBuilder()
        .setId(io.qdrant.client.PointIdFactory.id(7)).setVectors(io.qdrant.client.VectorsFactory.vectors(1f, 2f)).build())).get();
    sandbox.client.createAliasAsync("unrelated-alias", "unrelated").get();
    before = sandbox.liveData();
    engine = engine(sandbox);
  }

  private MaintenanceEngine engine(QdrantFixture target) throws Exception {
    String catalog = "catalog" + ++round;
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + catalog);
    }
    return MaintenanceEngine.builder().dataSource(pg.getDatabase("postgres", catalog)).storage(storage)
        .datastore(live.datastore("vectors").build())
        .drill("vectors", Map.of("sandbox.url", target.restUrl.toString(), "sandbox.grpc-port", Integer.toString(target.grpcPort),
            "sandbox.api-key", target.apiKey, "sandbox.poll-interval", "50ms", "max-age", "8d"))
        .build();
  }

  @AfterEach
  void tearDown() {
    engine.close();
  }

  private void backup() {
    BackupRecord b = engine.backup(BackupRequest.all(), OPS);
    assertThat(b.status()).isEqualTo(BackupStatus.SUCCEEDED);
  }

  private ProbeResult drillReadiness() {
    return engine.readiness(OPS).checks().stream().filter(c -> c.component().equals("drill:vectors")).findFirst().orElseThrow();
  }

  /** A metric's line as Prometheus scrapes it, or "" when it is not exported. */
  private String metric(String name) {
    return engine.prometheusText(OPS).lines().filter(l -> l.startsWith(name)).findFirst().orElse("");
  }

  @Test
  void aDrillRestoresTheLatestBackupIntoTheSandboxProvesItAndLeavesTheSandboxAsItWas() throws Exception {
    assertThat(drillReadiness().status()).isEqualTo(ProbeStatus.DEGRADED);
    backup();

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).as(drill.toString()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(drill.items()).singleElement().satisfies(i -> {
      assertThat(i.target()).isEqualTo("vectors");
      assertThat(i.outcome()).isEqualTo("ok");
      assertThat(i.detail()).contains("match their SHA-256").contains(QdrantFixture.DOCS).contains(QdrantFixture.IMAGES);
    });
    assertThat(sandbox.liveData()).isEqualTo(before);
    assertThat(drillReadiness().status()).isEqualTo(ProbeStatus.UP);
    assertThat(metric("maintenance_last_verified_restore_timestamp_seconds{datastore=\"vectors\"}")).isNotEmpty()
        .doesNotEndWith(" NaN");
  }

  @Test
  void aDrillOfABackupWithACorruptedSnapshotFailsWithIntegrityMismatchAndLeavesTheSandboxAsItWas() throws Exception {
    backup();
    List<String> snapshots = storage.backing().keys().stream().filter(k -> k.endsWith(".snapshot")).toList();
    assertThat(snapshots).hasSize(2);
    byte[] bytes = storage.backing().bytes(snapshots.get(1)).orElseThrow();
    bytes[bytes.length / 2] ^= 0x01;
    storage.backing().tamper(snapshots.get(1), bytes);

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(drill.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("INTEGRITY_MISMATCH"));
    assertThat(sandbox.liveData()).isEqualTo(before);
    assertThat(drillReadiness().status()).isEqualTo(ProbeStatus.DEGRADED);
    assertThat(metric("maintenance_last_verified_restore_timestamp_seconds")).isEmpty();
    assertThat(metric("maintenance_drill_failures_total{datastore=\"vectors\"}")).endsWith(" 1.0");
  }

  @Test
  void aSandboxPointedAtTheLiveServerIsRefusedAndTheLiveCollectionsStayAsTheyWere() throws Exception {
    engine.close();
    engine = engine(live);
    backup();
    String liveBefore = live.liveData();

    TaskResult drill = engine.runTask(TaskRequest.of(TaskType.DRILL), OPS);

    assertThat(drill.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(drill.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("CONFIG_INVALID"));
    assertThat(drill.items()).singleElement().satisfies(i -> assertThat(i.detail()).contains("already holds"));
    assertThat(live.liveData()).isEqualTo(liveBefore);
  }
}
