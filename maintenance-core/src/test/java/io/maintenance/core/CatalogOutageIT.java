package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRecord;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.testing.EngineFixture;
import io.maintenance.core.testing.Faults;
import io.maintenance.core.testing.TestCatalog;
import io.maintenance.tck.TcpProxy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The catalog (the real embedded PostgreSQL) refuses connections and drops the open ones, through a
 * proxy, at several points of a backup, a restore and the sweep. Short outages are ridden out; long ones
 * end the call within a bound with a clear code, and once the catalog is back the catalog says what
 * really happened.
 */
class CatalogOutageIT {
  private static final Duration LEASE = Duration.ofSeconds(4);
  private final EngineFixture f = new EngineFixture();
  private final TcpProxy proxy = TcpProxy.to("127.0.0.1", TestCatalog.server().getPort());
  private final io.maintenance.core.MaintenanceEngine engine;

  CatalogOutageIT() {
    f.close(); // the fixture's own engine reaches the catalog directly; this one goes through the proxy
    engine = f.build(TestCatalog.viaPort(f.catalog, proxy.port()), b -> b.leaseTimeout(LEASE).catalogTimeout(Duration.ofSeconds(3)));
    f.engine = engine;
  }

  @AfterEach
  void close() {
    proxy.close();
    f.close();
  }

  private static ThrowingConsumer<Throwable> code(ErrorCode code) {
    return e -> assertThat(((MaintenanceException) e).code()).isEqualTo(code);
  }

  /** Runs the call, failing the test if it does not return within the bound. */
  private static <T> T within(Duration bound, Callable<T> call) throws Exception {
    try {
      return CompletableFuture.supplyAsync(() -> {
        try {
          return call.call();
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }).get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  /** Waits for the outage to end (the proxy lets connections through) and for every lease to expire. */
  private void awaitCatalogBackAndLeasesExpired() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!catalogReachableThroughTheProxy()) {
      assertThat(System.nanoTime()).as("the outage ends").isLessThan(deadline);
      Thread.sleep(100);
    }
    Faults.awaitNoLiveLease(f, Duration.ofSeconds(20));
  }

  private boolean catalogReachableThroughTheProxy() {
    try (var c = TestCatalog.viaPort(f.catalog, proxy.port()).getConnection()) {
      return true;
    } catch (java.sql.SQLException e) {
      return false;
    }
  }

  /** The catalog goes away now and comes back after {@code length}. */
  private void outage(Duration length) {
    proxy.down();
    Faults.later(length, proxy::up);
  }

  @Test
  void aFewSecondsWithoutTheCatalogAtTheStartOfABackupAreRiddenOut() throws Exception {
    f.orders.at("backup.start", () -> outage(Duration.ofMillis(2000)));

    BackupRecord b = within(Duration.ofSeconds(20), () -> engine.backup(BackupRequest.all(), ALICE));

    assertThat(b.status()).isEqualTo(BackupStatus.SUCCEEDED);
    assertThat(f.storedKeys()).contains("backups/" + b.id() + "/manifest.json");
    assertThat(f.count("maintenance_upload_sessions", "")).isZero();
    Faults.assertSettledAndConsistent(f, engine, ADMIN);
  }

  @Test
  void anOutageLongerThanTheCatalogTimeoutBeforeTheBackupIsRecordedFailsItInTimeAndTheSweepSettlesIt() throws Exception {
    f.orders.at("backup.end", () -> outage(Duration.ofSeconds(7)));

    long t0 = System.nanoTime();
    assertThatThrownBy(() -> within(Duration.ofSeconds(20), () -> engine.backup(BackupRequest.all(), ALICE)))
        .isInstanceOfSatisfying(MaintenanceException.class, e ->
            assertThat(e.code()).isIn(ErrorCode.DEPENDENCY_UNAVAILABLE, ErrorCode.LEASE_LOST));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));

    // The row could not be settled while the catalog was away; once its lease has expired the sweep does it.
    awaitCatalogBackAndLeasesExpired();
    assertThat(engine.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN).status()).isEqualTo(TaskStatus.SUCCEEDED);
    BackupRecord b = engine.listBackups(io.maintenance.api.BackupQuery.firstPage(10), ADMIN).items().get(0);
    assertThat(b.status()).isIn(BackupStatus.ABANDONED, BackupStatus.FAILED);
    assertThat(f.storedKeys()).noneMatch(k -> k.startsWith("backups/" + b.id() + "/"));
    Faults.assertSettledAndConsistent(f, engine, ADMIN);
  }

  @Test
  void aShortOutageWhileARestoreAppliesIsRiddenOut() throws Exception {
    BackupRecord b = engine.backup(BackupRequest.all(), ALICE);
    Map<String, Map<String, String>> backedUp = f.orders.snapshot();
    f.orders.put("customers", "9", "changed after the backup");
    RestorePreview p = engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    f.orders.at("restore.start", () -> outage(Duration.ofMillis(1500)));

    RestoreRecord r = within(Duration.ofSeconds(20), () -> engine.confirmRestore(p.token(), ALICE));

    assertThat(r.status()).isEqualTo(RestoreStatus.APPLIED);
    assertThat(f.orders.snapshot()).isEqualTo(backedUp);
    Faults.assertSettledAndConsistent(f, engine, ADMIN);
  }

  @Test
  void aRestoreWhoseOutcomeCouldNotBeRecordedIsReconciledAsAppliedOnceTheCatalogIsBack() throws Exception {
    BackupRecord b = engine.backup(BackupRequest.all(), ALICE);
    Map<String, Map<String, String>> backedUp = f.orders.snapshot();
    f.orders.put("customers", "9", "changed after the backup");
    RestorePreview p = engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    // Longer than both catalog writes that follow (each waits out the catalog timeout).
    f.orders.at("restore.end", () -> outage(Duration.ofSeconds(9)));

    assertThatThrownBy(() -> within(Duration.ofSeconds(20), () -> engine.confirmRestore(p.token(), ALICE)))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
          assertThat(e.getMessage()).contains("was applied");
        });
    assertThat(f.orders.snapshot()).isEqualTo(backedUp);

    awaitCatalogBackAndLeasesExpired();
    assertThat(engine.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN).items())
        .anySatisfy(i -> assertThat(i.action()).isEqualTo("reconcile-restore"));
    RestoreRecord r = engine.findRestore(p.requestId(), ADMIN).orElseThrow();
    assertThat(r.status()).isEqualTo(RestoreStatus.APPLIED);
    assertThat(f.count("maintenance_audit_log", "action = 'restore.reconcile' AND outcome = 'APPLIED'")).isEqualTo(1);
    Faults.assertSettledAndConsistent(f, engine, ADMIN);
  }

  @Test
  void aRestoreThatLostItsLeaseBeforeItsPointOfNoReturnChangesNothingAndIsRecordedFailed() throws Exception {
    BackupRecord b = engine.backup(BackupRequest.all(), ALICE);
    f.orders.put("customers", "9", "changed after the backup");
    Map<String, Map<String, String>> before = f.orders.snapshot();
    RestorePreview p = engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    // Longer than the lease: when the datastore asks whether it may go on, the answer is no.
    f.orders.at("restore.start", () -> {
      outage(Duration.ofSeconds(6));
      sleep(Duration.ofSeconds(5));
    });

    assertThatThrownBy(() -> within(Duration.ofSeconds(25), () -> engine.confirmRestore(p.token(), ALICE)))
        .satisfies(code(ErrorCode.LEASE_LOST));
    assertThat(f.orders.snapshot()).isEqualTo(before);

    awaitCatalogBackAndLeasesExpired();
    engine.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN);
    RestoreRecord r = engine.findRestore(p.requestId(), ADMIN).orElseThrow();
    assertThat(r.status()).isEqualTo(RestoreStatus.FAILED);
    assertThat(r.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("LEASE_LOST"));
    assertThat(f.orders.snapshot()).isEqualTo(before);
    Faults.assertSettledAndConsistent(f, engine, ADMIN);
  }

  @Test
  void theSweepRidesOutAShortOutageAndFailsALongOneInTime() throws Exception {
    engine.backup(BackupRequest.all(), ALICE);
    outage(Duration.ofMillis(1500));
    assertThat(within(Duration.ofSeconds(20), () -> engine.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN)).status())
        .isEqualTo(TaskStatus.SUCCEEDED);

    proxy.down();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> within(Duration.ofSeconds(20), () -> engine.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN)))
        .satisfies(code(ErrorCode.DEPENDENCY_UNAVAILABLE));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(12));
    proxy.up();
    Faults.assertSettledAndConsistent(f, engine, ADMIN);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
