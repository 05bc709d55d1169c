package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRecord;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.RetentionPolicy;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.core.testing.EngineFixture;
import io.maintenance.core.testing.Faults;
import io.maintenance.core.testing.GatedStorage;
import io.maintenance.core.testing.TestCatalog;
import io.maintenance.tck.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two engine instances (replicas) on one real catalog. The first one's operation-lock connection is
 * ended with {@code pg_terminate_backend} in the middle of each mutating operation: the second replica
 * still cannot start anything while the first one's lease lives, and the first one finishes. When the
 * lease really is lost (the first replica cannot reach the catalog for longer than the lease), the
 * second one takes over, settles what the first left, and the first stops at its next step.
 */
class LeaseIT {
  private static final Duration LEASE = Duration.ofSeconds(3);
  private final EngineFixture f = new EngineFixture(b -> b.leaseTimeout(LEASE)
      .retentionPolicy(RetentionPolicy.builder().keepLast(1).build()));
  private final GatedStorage gated = new GatedStorage(f.storage);
  private final MaintenanceEngine second = f.build(b -> b.leaseTimeout(LEASE));
  private TcpProxy proxy;

  @AfterEach
  void close() {
    second.close();
    f.close();
    if (proxy != null) {
      proxy.close();
    }
  }

  private static ThrowingConsumer<Throwable> code(ErrorCode code) {
    return e -> assertThat(((MaintenanceException) e).code()).isEqualTo(code);
  }

  /** The first replica, with deletes that can be held. */
  private MaintenanceEngine firstWithGatedStorage() {
    f.engine.close();
    f.engine = f.build(b -> b.leaseTimeout(LEASE).storage(gated).retentionPolicy(RetentionPolicy.builder().keepLast(1).build()));
    return f.engine;
  }

  /** Ends the lock connection, gives the owner time to notice, and checks that the second replica is kept out. */
  private void terminateAndCheckTheSecondReplicaIsRefused(String holderDescription) throws Exception {
    assertThat(Faults.terminateLockConnection(f)).as("lock connections ended").isEqualTo(1);
    java.time.Instant terminated = Faults.catalogNow(f);
    for (int round = 0; round < 2; round++) {
      if (round == 1) {
        // the first replica's heartbeat renewed the lease on a new connection: still refused
        Faults.awaitRenewal(f, terminated, LEASE);
      }
      assertThatThrownBy(() -> second.backup(BackupRequest.all(), ALICE)).satisfies(code(ErrorCode.OPERATION_IN_PROGRESS))
          .hasMessageContaining(holderDescription);
      assertThatThrownBy(() -> second.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN))
          .satisfies(code(ErrorCode.OPERATION_IN_PROGRESS));
      assertThatThrownBy(() -> second.runTask(TaskRequest.of(TaskType.RETENTION), ADMIN))
          .satisfies(code(ErrorCode.OPERATION_IN_PROGRESS));
    }
  }

  private static <T> CompletableFuture<T> async(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call);
  }

  @Test
  void backup() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    CompletableFuture<BackupRecord> first = async(() -> f.engine.backup(BackupRequest.all(), ALICE));
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    terminateAndCheckTheSecondReplicaIsRefused("backup bk-");

    release.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(BackupStatus.SUCCEEDED);
    assertThat(f.count("maintenance_backups", "")).isEqualTo(1);
    Faults.assertSettledAndConsistent(f, f.engine, ADMIN);
  }

  @Test
  void restoreConfirm() throws Exception {
    BackupRecord b = f.engine.backup(BackupRequest.all(), ALICE);
    Map<String, Map<String, String>> backedUp = f.orders.snapshot();
    f.orders.put("customers", "9", "changed");
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.at("restore.start", () -> {
      reached.countDown();
      await(release);
    });
    CompletableFuture<RestoreRecord> first = async(() -> f.engine.confirmRestore(p.token(), ALICE));
    assertThat(reached.await(30, TimeUnit.SECONDS)).isTrue();

    terminateAndCheckTheSecondReplicaIsRefused("restore " + p.requestId());
    // A second confirm of the same request can only ever find its token used.
    assertThatThrownBy(() -> second.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.TOKEN_CONSUMED));

    release.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(RestoreStatus.APPLIED);
    assertThat(f.orders.snapshot()).isEqualTo(backedUp);
    assertThat(f.orders.restoreCount()).isEqualTo(1);
    Faults.assertSettledAndConsistent(f, f.engine, ADMIN);
  }

  @Test
  void retention() throws Exception {
    MaintenanceEngine first = firstWithGatedStorage();
    for (int i = 0; i < 3; i++) {
      f.clock.advance(Duration.ofHours(1));
      first.backup(BackupRequest.all(), ALICE);
    }
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    gated.holdNextDelete(reached, release);
    CompletableFuture<TaskResult> retention = async(() -> first.runTask(TaskRequest.of(TaskType.RETENTION), ADMIN));
    assertThat(reached.await(30, TimeUnit.SECONDS)).isTrue();

    terminateAndCheckTheSecondReplicaIsRefused("retention tk-");

    release.countDown();
    assertThat(retention.get(30, TimeUnit.SECONDS).status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(f.count("maintenance_backups", "")).isEqualTo(1);
    Faults.assertSettledAndConsistent(f, first, ADMIN);
  }

  @Test
  void orphanSweep() throws Exception {
    MaintenanceEngine first = firstWithGatedStorage();
    // A failed backup that could not clean up after itself: its objects are left for the sweep.
    f.sql(c -> Db.update(c, "INSERT INTO maintenance_backups (id, status, type, datastores, storage_provider, storage_prefix,"
        + " requested_by, owner, started_at) VALUES ('bk-failed', 'FAILED', 'FULL', '{orders}', 'memory', 'backups', 'alice',"
        + " 'gone', now())"));
    for (String key : List.of("backups/bk-failed/orders/a.json", "backups/bk-failed/orders/b.json")) {
      try (var u = f.storage.startUpload(key, io.maintenance.spi.UploadOptions.of("application/json"))) {
        u.write(new byte[] {'{', '}'}, 0, 2);
        u.complete();
      }
    }
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    gated.holdNextDelete(reached, release);
    CompletableFuture<TaskResult> sweep = async(() -> first.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN));
    assertThat(reached.await(30, TimeUnit.SECONDS)).isTrue();

    terminateAndCheckTheSecondReplicaIsRefused("orphan_sweep tk-");

    release.countDown();
    assertThat(sweep.get(30, TimeUnit.SECONDS).status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(f.storedKeys()).isEmpty();
    Faults.assertSettledAndConsistent(f, first, ADMIN);
  }

  @Test
  void deleteOfABackup() throws Exception {
    MaintenanceEngine first = firstWithGatedStorage();
    BackupRecord b = first.backup(BackupRequest.all(), ALICE);
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    gated.holdNextDelete(reached, release);
    CompletableFuture<Void> delete = CompletableFuture.runAsync(() -> first.deleteBackup(b.id(), ADMIN));
    assertThat(reached.await(30, TimeUnit.SECONDS)).isTrue();

    terminateAndCheckTheSecondReplicaIsRefused("backup.delete " + b.id());

    release.countDown();
    delete.get(30, TimeUnit.SECONDS);
    assertThat(f.count("maintenance_backups", "")).isZero();
    assertThat(f.storedKeys()).isEmpty();
    Faults.assertSettledAndConsistent(f, first, ADMIN);
  }

  /** The first replica reaches the catalog through a proxy that the test can take down. */
  private MaintenanceEngine firstBehindAProxy() {
    proxy = TcpProxy.to("127.0.0.1", TestCatalog.server().getPort());
    f.engine.close();
    f.engine = f.build(TestCatalog.viaPort(f.catalog, proxy.port()), b -> b.leaseTimeout(LEASE).catalogTimeout(Duration.ofSeconds(2)));
    return f.engine;
  }

  @Test
  void aBackupWhoseLeaseExpiredIsTakenOverAndStopsAtItsNextStep() throws Exception {
    MaintenanceEngine first = firstBehindAProxy();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    CompletableFuture<BackupRecord> running = async(() -> first.backup(BackupRequest.all(), ALICE));
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    proxy.down(); // the first replica loses its lock connection and cannot renew its lease
    Thread.sleep(LEASE.toMillis() + 500);
    TaskResult sweep = second.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN);
    assertThat(sweep.items()).anySatisfy(i -> assertThat(i.action()).isEqualTo("abandon"));
    proxy.up();
    release.countDown();

    assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(MaintenanceException.class)
        .cause().satisfies(code(ErrorCode.LEASE_LOST));
    BackupRecord b = second.listBackups(BackupQuery.firstPage(10), ADMIN).items().get(0);
    assertThat(b.status()).isEqualTo(BackupStatus.ABANDONED);
    assertThat(b.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("LEASE_LOST"));
    assertThat(second.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN).status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(f.storedKeys()).isEmpty();
    Faults.assertSettledAndConsistent(f, second, ADMIN);
  }

  @Test
  void aRestoreWhoseLeaseExpiredBeforeItsPointOfNoReturnIsReconciledAsNotAppliedAndChangesNothing() throws Exception {
    MaintenanceEngine first = firstBehindAProxy();
    BackupRecord b = first.backup(BackupRequest.all(), ALICE);
    f.orders.put("customers", "9", "changed");
    Map<String, Map<String, String>> before = f.orders.snapshot();
    RestorePreview p = first.previewRestore(RestoreRequest.of(b.id()), ALICE);
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.at("restore.start", () -> {
      reached.countDown();
      await(release);
    });
    CompletableFuture<RestoreRecord> running = async(() -> first.confirmRestore(p.token(), ALICE));
    assertThat(reached.await(30, TimeUnit.SECONDS)).isTrue();

    proxy.down();
    Thread.sleep(LEASE.toMillis() + 500);
    assertThat(second.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN).items())
        .anySatisfy(i -> assertThat(i.detail()).startsWith("FAILED: orders: unchanged since the preview"));
    proxy.up();
    release.countDown();

    assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS)).cause().satisfies(code(ErrorCode.LEASE_LOST));
    assertThat(f.orders.snapshot()).isEqualTo(before);
    RestoreRecord r = second.findRestore(p.requestId(), ADMIN).orElseThrow();
    assertThat(r.status()).isEqualTo(RestoreStatus.FAILED);
    assertThat(f.count("maintenance_audit_log", "action = 'restore.reconcile' AND outcome = 'FAILED'")).isEqualTo(1);
    Faults.assertSettledAndConsistent(f, second, ADMIN);
  }

  @Test
  void theLeaseRowIsTheLockEvenWithoutTheAdvisoryLock() {
    // Two exclusive leases can never be RUNNING together: the catalog itself refuses the second row.
    f.sql(c -> Db.update(c, "INSERT INTO maintenance_operations (id, kind, target, owner, requested_by, exclusive, status,"
        + " started_at, heartbeat_at, expires_at) VALUES ('op-x', 'backup', 'bk-x', 'elsewhere', 'x', true, 'RUNNING', now(),"
        + " now(), now() + interval '1 hour')"));
    assertThatThrownBy(() -> f.sql(c -> Db.update(c, "INSERT INTO maintenance_operations (id, kind, target, owner, requested_by,"
        + " exclusive, status, started_at, heartbeat_at, expires_at) VALUES ('op-y', 'backup', 'bk-y', 'elsewhere', 'x', true,"
        + " 'RUNNING', now(), now(), now() + interval '1 hour')"))).hasMessageContaining("maintenance_operations_one_exclusive");
    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), ALICE)).satisfies(code(ErrorCode.OPERATION_IN_PROGRESS))
        .hasMessageContaining("backup bk-x (by x)");
    assertThat(f.count("maintenance_backups", "")).isZero();
    List<String> none = List.of();
    assertThat(Faults.overlappingLeases(f)).isEqualTo(none);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
