package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRecord;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.storage.local.LocalStorageProvider;
import io.maintenance.tck.TcpProxy;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Faults with the real plugins: the PostgreSQL datastore (paused mid-operation by a real table lock held
 * in another session, never by a stand-in), local storage and a real S3 server (versitygw) behind a
 * proxy. The lock connection of a running restore is terminated while a second replica tries to work; the
 * catalog goes away in the middle of a backup; the storage stops answering in the middle of a backup.
 */
class RealPluginFaultIT {
  private static final Principal OPS = Principal.system("ops");
  private static final Duration LEASE = Duration.ofSeconds(4);

  @TempDir
  Path storageDir;

  private static EmbeddedPostgres pg;
  private static int databases;
  private String shopDb;
  private String catalogDb;
  private SampleShop shop;
  private TcpProxy catalogProxy;
  private MaintenanceEngine first;
  private MaintenanceEngine second;

  @org.junit.jupiter.api.BeforeAll
  static void startPostgres() throws Exception {
    pg = EmbeddedPostgres.builder().start();
  }

  @org.junit.jupiter.api.AfterAll
  static void stopPostgres() throws Exception {
    pg.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    int n = ++databases;
    shopDb = "shop" + n;
    catalogDb = "catalog" + n;
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + shopDb);
      st.execute("CREATE DATABASE " + catalogDb);
    }
    shop = new SampleShop(pg.getDatabase("postgres", shopDb));
    shop.create();
    catalogProxy = TcpProxy.to("127.0.0.1", pg.getPort());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (MaintenanceEngine e : new MaintenanceEngine[] {first, second}) {
      if (e != null) {
        e.close();
      }
    }
    catalogProxy.close();
  }

  private MaintenanceEngine engine(boolean throughProxy, Map<String, String> storage) {
    PGSimpleDataSource catalog = new PGSimpleDataSource();
    catalog.setServerNames(new String[] {"127.0.0.1"});
    catalog.setPortNumbers(new int[] {throughProxy ? catalogProxy.port() : pg.getPort()});
    catalog.setDatabaseName(catalogDb);
    catalog.setUser("postgres");
    catalog.setConnectTimeout(2);
    catalog.setLoginTimeout(2);
    Map<String, String> config = new LinkedHashMap<>(storage);
    config.put("datastores.shop.type", "postgres");
    config.put("datastores.shop.url", pg.getJdbcUrl("postgres", shopDb));
    config.put("datastores.shop.user", "postgres");
    config.put("lease-timeout", LEASE.toMillis() + "ms");
    config.put("catalog-timeout", "10s");
    return MaintenanceEngine.builder().dataSource(catalog).configure(config)
        .restorePolicy(new RestorePolicy(0, Duration.ofHours(1), false)).build();
  }

  private Map<String, String> local() {
    return Map.of("storage.type", "local", "storage.path", storageDir.toString());
  }

  private static ThrowingConsumer<Throwable> code(ErrorCode code) {
    return e -> assertThat(((MaintenanceException) e).code()).isEqualTo(code);
  }

  /** Another session of the shop database holding a lock on the orders table until closed. */
  private final class TableLock implements AutoCloseable {
    private final Connection c;

    TableLock(String mode) throws Exception {
      c = pg.getDatabase("postgres", shopDb).getConnection();
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("LOCK TABLE orders IN " + mode + " MODE");
      }
    }

    /** Waits until some other session waits for this lock: the operation is paused right there. */
    void awaitWaiter() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        if (query(shopDb, "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'orders'::regclass") > 0) {
          return;
        }
        Thread.sleep(50);
      }
      fail("nothing waited for the lock on orders");
    }

    @Override
    public void close() throws java.sql.SQLException {
      c.rollback();
      c.close();
    }
  }

  private long query(String db, String sql) throws Exception {
    try (Connection c = pg.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static <T> CompletableFuture<T> async(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call);
  }

  private void awaitRenewalAfter(long epochMicros) throws Exception {
    long deadline = System.nanoTime() + LEASE.toNanos();
    while (query(catalogDb, "SELECT count(*) FROM maintenance_operations WHERE status = 'RUNNING' AND exclusive"
        + " AND heartbeat_at > to_timestamp(" + epochMicros + " / 1000000.0)") == 0) {
      assertThat(System.nanoTime()).as("the lease is renewed").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** Ends the first replica's operation-lock connection (pg_terminate_backend). */
  private void terminateLockConnection() throws Exception {
    assertThat(query(catalogDb, "SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
        + " WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND d.datname = current_database()")).isEqualTo(1);
  }

  private void assertConsistent(MaintenanceEngine engine) throws Exception {
    assertThat(query(catalogDb, "SELECT count(*) FROM maintenance_operations a JOIN maintenance_operations b ON a.id < b.id"
        + " AND a.exclusive AND b.exclusive AND tstzrange(a.started_at, least(coalesce(a.finished_at, a.expires_at), a.expires_at))"
        + " && tstzrange(b.started_at, least(coalesce(b.finished_at, b.expires_at), b.expires_at))")).as("overlapping operations")
        .isZero();
    assertThat(query(catalogDb, "SELECT count(*) FROM maintenance_backups WHERE status = 'RUNNING'")).isZero();
    assertThat(query(catalogDb, "SELECT count(*) FROM maintenance_restore_requests WHERE status = 'APPLYING'")).isZero();
    assertThat(query(shopDb, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        + " AND state LIKE 'idle in transaction%'"))
        .as("snapshots left open on the datastore").isZero();
    assertThat(engine.verifyAudit(OPS).intact()).isTrue();
  }

  @Test
  void theLockConnectionOfARunningRestoreIsTerminatedWhileASecondReplicaTriesToWork() throws Exception {
    first = engine(false, local());
    second = engine(false, local());
    BackupRecord b = first.backup(BackupRequest.all(), OPS);
    Map<String, String> backedUp = shop.fingerprint();
    shop.breakIt();
    RestorePreview p = first.previewRestore(RestoreRequest.of(b.id()), OPS);
    CompletableFuture<RestoreRecord> restore;
    try (TableLock lock = new TableLock("SHARE")) { // reads pass, the restore's TRUNCATE waits
      restore = async(() -> first.confirmRestore(p.token(), OPS));
      lock.awaitWaiter();
      terminateLockConnection();
      long terminated = query(catalogDb, "SELECT (extract(epoch FROM now()) * 1000000)::bigint");
      for (int round = 0; round < 2; round++) {
        if (round == 1) {
          awaitRenewalAfter(terminated); // the first replica renewed its lease on a new connection: still refused
        }
        assertThatThrownBy(() -> second.backup(BackupRequest.all(), OPS)).satisfies(code(ErrorCode.OPERATION_IN_PROGRESS));
        assertThatThrownBy(() -> second.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), OPS))
            .satisfies(code(ErrorCode.OPERATION_IN_PROGRESS));
        assertThatThrownBy(() -> second.confirmRestore(p.token(), OPS)).satisfies(code(ErrorCode.TOKEN_CONSUMED));
      }
    }
    assertThat(restore.get(60, TimeUnit.SECONDS).status()).isEqualTo(RestoreStatus.APPLIED);
    assertThat(shop.fingerprint()).isEqualTo(backedUp);
    assertThat(second.listBackups(BackupQuery.firstPage(10), OPS).items()).hasSize(1);
    assertConsistent(second);
  }

  @Test
  void theCatalogGoesAwayForSecondsInTheMiddleOfARealBackup() throws Exception {
    first = engine(true, local());
    CompletableFuture<BackupRecord> backup;
    try (TableLock lock = new TableLock("ACCESS EXCLUSIVE")) { // the backup's COPY of orders waits
      backup = async(() -> first.backup(BackupRequest.all(), OPS));
      lock.awaitWaiter();
      catalogProxy.down(); // the lock connection is cut, new connections are refused
    }
    // The backup goes on writing artifacts (and recording its uploads) while the catalog is away.
    Thread.sleep(3000);
    catalogProxy.up();
    BackupRecord b = backup.get(60, TimeUnit.SECONDS);
    assertThat(b.status()).isEqualTo(BackupStatus.SUCCEEDED);
    assertThat(first.runTask(TaskRequest.builder(TaskType.VERIFY).backup(b.id()).build(), OPS).status())
        .isEqualTo(TaskStatus.SUCCEEDED);
    assertConsistent(first);
  }

  // ---- storage: a real S3 server behind a proxy --------------------------------------------------

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      fail(name + " is not set: run through scripts/test.sh (SERVICES=\"s3\" scripts/test.sh -pl examples -am)");
    }
    return v;
  }

  private Map<String, String> s3(TcpProxy proxy, String secret) {
    URI endpoint = URI.create(env("MAINTENANCE_IT_S3_ENDPOINT"));
    try (S3Client c = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(env("MAINTENANCE_IT_S3_ACCESS_KEY"),
            env("MAINTENANCE_IT_S3_SECRET_KEY")))).build()) {
      try {
        c.headBucket(b -> b.bucket("maintenance-faults"));
      } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
        c.createBucket(b -> b.bucket("maintenance-faults"));
      }
    }
    Map<String, String> config = new LinkedHashMap<>();
    config.put("storage.type", "s3");
    config.put("storage.bucket", "maintenance-faults");
    config.put("storage.key-prefix", "run-" + System.nanoTime());
    config.put("storage.endpoint", "http://127.0.0.1:" + proxy.port());
    config.put("storage.path-style", "true");
    config.put("storage.access-key", env("MAINTENANCE_IT_S3_ACCESS_KEY"));
    config.put("storage.secret-key", secret);
    config.put("storage.request-timeout", "3s");
    config.put("storage.part-size", "5MiB");
    return config;
  }

  private TcpProxy s3Proxy() {
    URI endpoint = URI.create(env("MAINTENANCE_IT_S3_ENDPOINT"));
    return TcpProxy.to(endpoint.getHost(), endpoint.getPort());
  }

  @Test
  void anS3EndpointThatStopsAnsweringMidBackupFailsItInTimeWithTheStorageCause() throws Exception {
    try (TcpProxy s3 = s3Proxy()) {
      first = engine(false, s3(s3, env("MAINTENANCE_IT_S3_SECRET_KEY")));
      assertThat(first.backup(BackupRequest.all(), OPS).status()).isEqualTo(BackupStatus.SUCCEEDED);
      CompletableFuture<BackupRecord> backup;
      long t0;
      try (TableLock lock = new TableLock("ACCESS EXCLUSIVE")) {
        backup = async(() -> first.backup(BackupRequest.all(), OPS));
        lock.awaitWaiter();
        s3.hold(true); // connections stay open, nothing comes back
        t0 = System.nanoTime();
      }
      assertThatThrownBy(() -> backup.get(60, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(MaintenanceException.class, e -> {
        // Not DATASTORE_FAILURE "canceling statement due to user request": the storage is the first cause.
        assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
        assertThat(e.details()).containsEntry("reason", "STORAGE_UNREACHABLE");
        assertThat(e.getMessage()).doesNotContain("57014");
      });
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("within the request timeout").isLessThan(Duration.ofSeconds(15));
      BackupRecord failed = first.listBackups(BackupQuery.firstPage(1), OPS).items().get(0);
      assertThat(failed.status()).isEqualTo(BackupStatus.FAILED);
      assertThat(failed.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("DEPENDENCY_UNAVAILABLE"));

      s3.hold(false);
      s3.cutAll();
      assertThat(first.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), OPS).status()).isEqualTo(TaskStatus.SUCCEEDED);
      assertThat(query(catalogDb, "SELECT count(*) FROM maintenance_upload_sessions")).isZero();
      assertConsistent(first);
    }
  }

  @Test
  void wrongS3CredentialsAndAHungEndpointFailBeforeAnySnapshotIsOpened() throws Exception {
    try (TcpProxy s3 = s3Proxy()) {
      first = engine(false, s3(s3, "not-the-secret"));
      assertThatThrownBy(() -> first.backup(BackupRequest.all(), OPS)).satisfies(code(ErrorCode.CONFIG_INVALID))
          .isInstanceOfSatisfying(MaintenanceException.class, e ->
              assertThat(e.details()).containsEntry("reason", "STORAGE_AUTH_FAILED"));
      first.close();

      first = engine(false, s3(s3, env("MAINTENANCE_IT_S3_SECRET_KEY")));
      s3.hold(true);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> first.backup(BackupRequest.all(), OPS)).satisfies(code(ErrorCode.DEPENDENCY_UNAVAILABLE));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
      s3.hold(false);
      assertThat(first.listBackups(BackupQuery.firstPage(10), OPS).items()).allSatisfy(b -> assertThat(b.artifactCount()).isZero());
      assertConsistent(first);
    }
  }
}
