package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.DatastoreProgress;
import io.maintenance.api.Operation;
import io.maintenance.api.OperationStatus;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.Scope;
import io.maintenance.core.MaintenanceEngine;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations on the real plugins (datastore-postgres, storage-local) with a real PostgreSQL server: a backup
 * and a restore submitted on one replica and followed and cancelled from another one on the same catalog.
 * The shop gets a table of 400,000 rows so that a backup, a safety backup and a restore take long enough
 * to be cancelled halfway.
 */
class OperationsEndToEndIT {
  private static final Principal ALICE = Principal.of("alice", Scope.READ, Scope.BACKUP, Scope.RESTORE_PREVIEW, Scope.RESTORE_APPLY);
  private static final Principal OPS = Principal.system("ops");
  private static EmbeddedPostgres pg;
  private static int databases;

  @TempDir
  Path storageDir;

  private String shopDb;
  private Map<String, String> config;
  private MaintenanceEngine engine;
  /** Another replica on the same catalog and storage. */
  private MaintenanceEngine other;

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
    int n = ++databases;
    shopDb = "shop" + n;
    sql(pg.getPostgresDatabase().getConnection(), "CREATE DATABASE " + shopDb, "CREATE DATABASE catalog" + n);
    new SampleShop(pg.getDatabase("postgres", shopDb)).create();
    sql(pg.getDatabase("postgres", shopDb).getConnection(),
        "CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, payload text NOT NULL)",
        "INSERT INTO events SELECT i, 'kind-' || (i % 17), md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 400000) AS i");
    config = Map.of("storage.type", "local", "storage.path", storageDir.toString(),
        "datastores.shop.type", "postgres", "datastores.shop.url", pg.getJdbcUrl("postgres", shopDb),
        "datastores.shop.user", "postgres", "restore.approvals-required", "0", "operations.progress-interval", "100ms");
    engine = build(config);
    other = build(config);
  }

  private MaintenanceEngine build(Map<String, String> settings) {
    return MaintenanceEngine.builder().dataSource(pg.getDatabase("postgres", "catalog" + databases)).configure(settings).build();
  }

  @AfterEach
  void tearDown() {
    other.close();
    engine.close();
  }

  private static void sql(Connection connection, String... statements) throws Exception {
    try (Connection c = connection; Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }

  /** What PostgreSQL itself says the shop holds: every table's row count and the MD5 of its rows. */
  private Map<String, String> shopState() throws Exception {
    Map<String, String> out = new HashMap<>();
    try (Connection c = pg.getDatabase("postgres", shopDb).getConnection(); Statement st = c.createStatement()) {
      for (String t : List.of("customers", "products", "orders", "events")) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), ''))"
            + " AS h FROM " + t + " AS x")) {
          rs.next();
          out.put(t, rs.getLong("n") + " " + rs.getString("h"));
        }
      }
    }
    return out;
  }

  /** Polls the operation on the other replica until {@code until}; returns every state it saw. */
  private List<Operation> follow(String id, Predicate<Operation> until) throws Exception {
    List<Operation> seen = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 120_000;
    while (true) {
      Operation op = other.findOperation(id, OPS).orElseThrow();
      seen.add(op);
      if (until.test(op)) {
        return seen;
      }
      assertThat(System.currentTimeMillis()).as("operation %s: %s", id, op).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private Operation finished(String id) throws Exception {
    List<Operation> seen = follow(id, o -> o.status().finished());
    return seen.get(seen.size() - 1);
  }

  private List<Path> storedFilesOf(String backupId) throws Exception {
    try (Stream<Path> files = Files.walk(storageDir)) {
      return files.filter(Files::isRegularFile).filter(p -> p.toString().contains(backupId)).toList();
    }
  }

  @Test
  void aSubmittedBackupsProgressNeverFallsReachesAHundredAndCountsTheStoredBytes() throws Exception {
    engine.backup(BackupRequest.all(), ALICE); // the next backup's progress is measured against this one
    Operation op = engine.submitBackup(BackupRequest.all(), ALICE);
    assertThat(op.status()).isEqualTo(OperationStatus.RUNNING);

    List<Operation> seen = follow(op.id(), o -> o.status().finished());
    Operation done = seen.get(seen.size() - 1);
    assertThat(done.status()).isEqualTo(OperationStatus.SUCCEEDED);
    List<Double> percents = seen.stream().flatMap(o -> o.progress().percent().stream()).toList();
    assertThat(percents).isSorted().endsWith(100.0);
    assertThat(seen.stream().map(o -> o.progress().bytesDone()).toList()).isSorted();
    assertThat(seen).anySatisfy(o -> assertThat(o.progress().bytesTotalEstimated()).isTrue());
    // Items come from the plugin's own reports (rows of a table).
    assertThat(seen).anySatisfy(o -> assertThat(o.progress().datastores()).anySatisfy(d -> assertThat(d.stage()).startsWith("table ")));
    BackupManifest manifest = other.manifest(done.target(), OPS);
    long artifactBytes = manifest.datastores().get(0).artifacts().stream().mapToLong(ArtifactInfo::size).sum();
    assertThat(done.progress().bytesDone()).isEqualTo(artifactBytes);
    assertThat(done.progress().datastores()).singleElement()
        .satisfies(d -> assertThat(d.state()).isEqualTo(DatastoreProgress.State.DONE));
  }

  @Test
  void aBackupCancelledHalfwayLeavesNoSucceededRowAndNoFiles() throws Exception {
    Operation op = engine.submitBackup(BackupRequest.all(), ALICE);
    follow(op.id(), o -> o.progress().bytesDone() > 0 || o.status().finished());
    other.cancelOperation(op.id(), ALICE);

    List<Operation> seen = follow(op.id(), o -> o.status().finished());
    Operation done = seen.get(seen.size() - 1);
    assertThat(done.status()).isEqualTo(OperationStatus.CANCELLED);
    assertThat(done.error().orElseThrow().code()).isEqualTo("CANCELLED");
    assertThat(other.findBackup(op.target(), OPS).orElseThrow().status()).isEqualTo(BackupStatus.FAILED);
    assertThat(storedFilesOf(op.target())).isEmpty();
  }

  @Test
  void aRestoreCancelledDuringItsSafetyBackupChangesNothing() throws Exception {
    String backupId = engine.backup(BackupRequest.all(), ALICE).id();
    sql(pg.getDatabase("postgres", shopDb).getConnection(), "DELETE FROM events WHERE id % 3 = 0");
    Map<String, String> before = shopState();
    RestorePreview p = engine.previewRestore(RestoreRequest.builder(backupId).safetyBackup(true).build(), ALICE);
    Operation op = engine.submitRestore(p.token(), ALICE);
    follow(op.id(), o -> o.phase().equals("taking the safety backup") || o.status().finished());
    other.cancelOperation(op.id(), ALICE);

    Operation done = finished(op.id());
    assertThat(done.status()).isEqualTo(OperationStatus.CANCELLED);
    assertThat(shopState()).isEqualTo(before);
    assertThat(other.findRestore(p.requestId(), OPS).orElseThrow().status()).isNotEqualTo(RestoreStatus.APPLIED);
    assertThat(done.progress().datastores()).allSatisfy(d -> assertThat(d.state()).isEqualTo(DatastoreProgress.State.PENDING));
  }

  @Test
  void aRestoreCancelledWhileItAppliesIsAllOrNothingAndTheRecordSaysWhich() throws Exception {
    Map<String, String> atBackup = shopState();
    String backupId = engine.backup(BackupRequest.all(), ALICE).id();
    sql(pg.getDatabase("postgres", shopDb).getConnection(), "DELETE FROM events WHERE id % 3 = 0");
    Map<String, String> before = shopState();
    RestorePreview p = engine.previewRestore(RestoreRequest.of(backupId), ALICE);
    Operation op = engine.submitRestore(p.token(), ALICE);
    follow(op.id(), o -> o.phase().startsWith("applying") && o.progress().bytesDone() > 0 || o.status().finished());
    other.cancelOperation(op.id(), ALICE);

    Operation done = finished(op.id());
    DatastoreProgress shop = done.progress().datastores().get(0);
    if (done.status() == OperationStatus.CANCELLED) {
      // Stopped before its commit: PostgreSQL rolled the restore's transaction back.
      assertThat(shop.state()).isEqualTo(DatastoreProgress.State.ROLLED_BACK);
      assertThat(done.error().orElseThrow().message()).contains("shop was rolled back");
      assertThat(shopState()).isEqualTo(before);
      assertThat(other.findRestore(p.requestId(), OPS).orElseThrow().status()).isEqualTo(RestoreStatus.FAILED);
    } else {
      // Past its point of no return when the cancel came: finished, and says so.
      assertThat(done.status()).isEqualTo(OperationStatus.SUCCEEDED);
      assertThat(done.cancelRequestedAt()).isPresent();
      assertThat(shop.state()).isEqualTo(DatastoreProgress.State.DONE);
      assertThat(shopState()).isEqualTo(atBackup);
      assertThat(other.findRestore(p.requestId(), OPS).orElseThrow().status()).isEqualTo(RestoreStatus.APPLIED);
    }
  }
}
