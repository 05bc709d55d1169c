package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.Scope;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.core.http.AdminRoutes;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine with datastore-postgres and storage-local, end to end on a real server and a real disk. */
class EndToEndIT {
  private static final Principal ALICE = Principal.of("alice", Scope.READ, Scope.BACKUP, Scope.RESTORE_PREVIEW, Scope.RESTORE_APPLY);
  private static final Principal BOB = Principal.of("bob", Scope.READ, Scope.RESTORE_APPROVE);
  private static final Principal OPS = Principal.system("ops");
  private static EmbeddedPostgres pg;
  private static int databases;

  @TempDir
  Path storageDir;

  private MaintenanceEngine engine;
  private SampleShop shop;
  private String shopDb;

  @BeforeAll
  static void startPostgres() throws IOException {
    pg = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws IOException {
    pg.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    int n = ++databases;
    shopDb = "shop" + n;
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + shopDb);
      st.execute("CREATE DATABASE catalog" + n);
    }
    shop = new SampleShop(pg.getDatabase("postgres", shopDb));
    shop.create();
    engine = MaintenanceEngine.builder()
        .dataSource(pg.getDatabase("postgres", "catalog" + n))
        .configure(Map.of("storage.type", "local", "storage.path", storageDir.toString(),
            "datastores.shop.type", "postgres", "datastores.shop.url", pg.getJdbcUrl("postgres", shopDb),
            "datastores.shop.user", "postgres", "restore.approvals-required", "1", "retention.keep-last", "1"))
        .build();
  }

  @AfterEach
  void tearDown() {
    engine.close();
  }

  private static ThrowingConsumer<Throwable> code(ErrorCode code) {
    return e -> assertThat(((MaintenanceException) e).code()).isEqualTo(code);
  }

  private void sql(String statement) throws Exception {
    try (Connection c = pg.getDatabase("postgres", shopDb).getConnection(); Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  @Test
  void confirmFailsWhenSomeoneWritesToARestoredTableAfterThePreview() throws Exception {
    BackupRecord b = engine.backup(BackupRequest.all(), ALICE);
    shop.breakIt();
    RestorePreview p = engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    engine.approveRestore(p.requestId(), "", BOB);
    sql("UPDATE products SET title = 'edited after the preview' WHERE sku = 'SKU-0007'");
    Map<String, String> before = shop.fingerprint();

    assertThatThrownBy(() -> engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.PLAN_STALE))
        .hasMessageContaining("public.products");

    assertThat(shop.fingerprint()).isEqualTo(before);
    assertThat(engine.findRestore(p.requestId(), ALICE).orElseThrow().status()).isEqualTo(RestoreStatus.PREVIEWED);
  }

  @Test
  void anArtifactAlteredOnDiskFailsThePreviewAndTheVerifyTask() throws Exception {
    BackupRecord b = engine.backup(BackupRequest.all(), ALICE);
    Path artifact;
    try (Stream<Path> files = Files.walk(storageDir)) {
      artifact = files.filter(f -> f.getFileName().toString().equals("public.orders_postgres.json")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(artifact);
    bytes[bytes.length / 2] ^= 0x20;
    Files.write(artifact, bytes);
    shop.breakIt();
    Map<String, String> broken = shop.fingerprint();

    assertThatThrownBy(() -> engine.previewRestore(RestoreRequest.of(b.id()), ALICE)).satisfies(code(ErrorCode.INTEGRITY_MISMATCH))
        .hasMessageContaining("public.orders_postgres.json");
    assertThat(engine.runTask(TaskRequest.of(TaskType.VERIFY), OPS).status()).isEqualTo(TaskStatus.FAILED);
    assertThat(shop.fingerprint()).isEqualTo(broken);
  }

  @Test
  void retentionLeavesExactlyTheKeptBackupOnDisk() throws Exception {
    engine.backup(BackupRequest.all(), ALICE);
    BackupRecord newest = engine.backup(BackupRequest.all(), ALICE);

    engine.runTask(TaskRequest.of(TaskType.RETENTION), OPS);

    try (Stream<Path> files = Files.walk(storageDir)) {
      List<String> left = files.filter(Files::isRegularFile).map(f -> storageDir.relativize(f).toString())
          .filter(f -> !f.startsWith(".uploads")).toList();
      assertThat(left).isNotEmpty().allSatisfy(f -> assertThat(f).startsWith("backups/" + newest.id() + "/"));
    }
  }

  @Test
  void adminRoutesOverRealHttp() throws Exception {
    Map<String, Principal> tokens = Map.of("a", ALICE, "b", BOB, "o", OPS);
    try (AdminServer server = AdminServer.start(new AdminRoutes(engine), new InetSocketAddress("127.0.0.1", 0),
        t -> Optional.ofNullable(tokens.get(t)))) {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.port() + "/maintenance";

      HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(base + "/backups")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains(AdminRoutes.CHALLENGE);
      assertThat(anonymous.headers().firstValue("Content-Type")).contains("application/problem+json");

      HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/backups"))
          .header("Authorization", "Bearer a").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).isEqualTo(202);
      String location = created.headers().firstValue("Location").orElseThrow();
      assertThat(location).startsWith("/maintenance/operations/op-");
      HttpResponse<String> followed;
      long deadline = System.currentTimeMillis() + 30_000;
      do {
        assertThat(System.currentTimeMillis()).as("operation still running").isLessThan(deadline);
        Thread.sleep(50);
        followed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + location))
            .header("Authorization", "Bearer o").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(followed.statusCode()).isEqualTo(200);
      } while (followed.body().contains("\"status\":\"RUNNING\""));
      assertThat(followed.body()).contains("\"status\":\"SUCCEEDED\"").contains("\"percent\":100.0");

      HttpResponse<String> blocking = http.send(HttpRequest.newBuilder(URI.create(base + "/backups?wait=true"))
          .header("Authorization", "Bearer a").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(blocking.statusCode()).isEqualTo(201);
      assertThat(blocking.body()).contains("\"status\":\"SUCCEEDED\"");

      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics/prometheus"))
          .header("Authorization", "Bearer o").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("maintenance_backup_total{provider=\"local\",status=\"SUCCEEDED\",type=\"FULL\"} 2.0");

      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/readiness"))
          .header("Authorization", "Bearer o").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("\"component\":\"datastore:shop\"");
    }
  }
}
