package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static io.maintenance.core.testing.EngineFixture.BOB;
import static io.maintenance.core.testing.EngineFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.DatastoreProgress;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Operation;
import io.maintenance.api.OperationKind;
import io.maintenance.api.OperationQuery;
import io.maintenance.api.OperationStatus;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.Scope;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.http.AdminRequest;
import io.maintenance.core.http.AdminResponse;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.core.testing.EngineFixture;
import io.maintenance.core.testing.TestCatalog;
import io.maintenance.tck.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Operations: submitted in the background, followed and cancelled from another replica on the same catalog
 * (PostgreSQL), cancelled at several points of a backup and of a restore, and settled after a crash.
 * The in-memory datastore stands in only to stop at exact points inside the work.
 */
class OperationsIT {
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration TICK = Duration.ofMillis(100);
  private final EngineFixture f = new EngineFixture(b -> b.leaseTimeout(LEASE).progressInterval(TICK));
  /** Another replica on the same catalog and storage. */
  private final MaintenanceEngine other = f.build(b -> b.leaseTimeout(LEASE).progressInterval(TICK));
  private TcpProxy proxy;

  @AfterEach
  void close() throws Exception {
    other.close();
    f.close();
    if (proxy != null) {
      proxy.close();
    }
  }

  private Operation await(MaintenanceEngine engine, String id, Predicate<Operation> until) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Operation op = engine.findOperation(id, READER).orElseThrow();
      if (until.test(op)) {
        return op;
      }
      assertThat(System.nanoTime()).as("operation %s still %s", id, op).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private Operation finished(String id) throws InterruptedException {
    return await(other, id, op -> op.status().finished());
  }

  private List<String> objectsOf(String backupId) {
    return f.storedKeys().stream().filter(k -> k.contains(backupId)).toList();
  }

  @Test
  void aSubmittedBackupReturnsAtOnceAndAnotherReplicaFollowsItToTheEnd() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    Operation op = f.engine.submitBackup(BackupRequest.all(), ALICE);
    assertThat(op.status()).isEqualTo(OperationStatus.RUNNING);
    assertThat(op.kind()).isEqualTo(OperationKind.BACKUP);
    assertThat(op.target()).startsWith("bk-");
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    Operation running = await(other, op.id(), o -> o.phase().equals("backing up orders"));
    assertThat(running.status()).isEqualTo(OperationStatus.RUNNING);
    assertThat(running.progress().datastores()).singleElement()
        .satisfies(d -> assertThat(d.state()).isEqualTo(DatastoreProgress.State.RUNNING));
    assertThat(other.listOperations(OperationQuery.firstPage(10).withStatus(OperationStatus.RUNNING), READER).items())
        .extracting(Operation::id).containsExactly(op.id());
    release.countDown();

    Operation done = finished(op.id());
    assertThat(done.status()).isEqualTo(OperationStatus.SUCCEEDED);
    assertThat(done.error()).isEmpty();
    assertThat(done.finishedAt()).isPresent();
    assertThat(done.progress().percent()).contains(100.0);
    BackupRecord b = other.findBackup(op.target(), READER).orElseThrow();
    assertThat(b.status()).isEqualTo(BackupStatus.SUCCEEDED);
    // The bytes counted are the artifact bytes the backup stored.
    assertThat(done.progress().bytesDone()).isEqualTo(b.totalBytes() - storedManifestSize(b)).isPositive();
    assertThat(done.progress().datastores()).singleElement()
        .satisfies(d -> assertThat(d.state()).isEqualTo(DatastoreProgress.State.DONE));
  }

  private long storedManifestSize(BackupRecord b) {
    return f.storage.backing().keys().stream().filter(k -> k.equals("backups/" + b.id() + "/manifest.json"))
        .mapToLong(k -> f.storage.backing().bytes(k).orElseThrow().length).sum();
  }

  @Test
  void progressOfASecondBackupIsMeasuredAgainstTheFirstAndNeverFalls() throws Exception {
    f.engine.backup(BackupRequest.all(), ALICE);
    f.orders.put("customers", "3", "Linus");
    List<Double> seen = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    Operation op = f.engine.submitBackup(BackupRequest.all(), ALICE);
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    Operation running = await(other, op.id(), o -> o.progress().bytesTotal() > 0);
    assertThat(running.progress().bytesTotalEstimated()).isTrue();
    release.countDown();
    Operation o;
    do {
      o = other.findOperation(op.id(), READER).orElseThrow();
      o.progress().percent().ifPresent(seen::add);
      Thread.sleep(5);
    } while (!o.status().finished());
    assertThat(seen).isSorted().contains(100.0);
    assertThat(seen.subList(0, seen.size() - 1)).allSatisfy(p -> assertThat(p).isLessThan(100.0));
  }

  @Test
  void aBackupCancelledFromAnotherReplicaLeavesNoSucceededRowAndNoObjects() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    Operation op = f.engine.submitBackup(BackupRequest.all(), ALICE);
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    Operation asked = other.cancelOperation(op.id(), ALICE);
    assertThat(asked.cancelRequestedBy()).contains("alice");
    await(f.engine, op.id(), o -> true);
    Thread.sleep(3 * TICK.toMillis()); // the running replica sees the flag at its next heartbeat
    release.countDown();

    Operation done = finished(op.id());
    assertThat(done.status()).isEqualTo(OperationStatus.CANCELLED);
    assertThat(done.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("CANCELLED"));
    BackupRecord b = other.findBackup(op.target(), READER).orElseThrow();
    assertThat(b.status()).isEqualTo(BackupStatus.FAILED);
    assertThat(objectsOf(op.target())).isEmpty();
    assertThat(f.count("maintenance_backups", "status = 'SUCCEEDED'")).isZero();
  }

  @Test
  void aBackupCancelledAfterItsArtifactsWereWrittenStillRemovesThem() throws Exception {
    // The cancel arrives in this process after the datastore wrote everything, just before the manifest.
    String[] id = new String[1];
    f.orders.at("backup.end", () -> f.engine.cancelOperation(id[0], ADMIN));
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    Operation op = f.engine.submitBackup(BackupRequest.all(), ALICE);
    id[0] = op.id();
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    release.countDown();

    Operation done = finished(op.id());
    assertThat(done.status()).isEqualTo(OperationStatus.CANCELLED);
    assertThat(objectsOf(op.target())).isEmpty();
    assertThat(f.count("maintenance_backups", "status = 'SUCCEEDED'")).isZero();
    // The lock is free again.
    assertThat(f.engine.backup(BackupRequest.all(), ALICE).status()).isEqualTo(BackupStatus.SUCCEEDED);
  }

  @Test
  void cancelNeedsTheScopeOfTheOperationsKind() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    Operation op = f.engine.submitBackup(BackupRequest.all(), ALICE);
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    try {
      assertThatThrownBy(() -> other.cancelOperation(op.id(), READER)).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
      Principal housekeeper = Principal.of("hk", Scope.READ, Scope.HOUSEKEEPING);
      assertThatThrownBy(() -> other.cancelOperation(op.id(), housekeeper)).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.details()).containsEntry("requiredScope", "maintenance:backup"));
      assertThat(other.findOperation(op.id(), READER).orElseThrow().cancelRequestedAt()).isEmpty();
      assertThatThrownBy(() -> other.cancelOperation("op-doesnotexist", ALICE)).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    } finally {
      release.countDown();
    }
    assertThat(finished(op.id()).status()).isEqualTo(OperationStatus.SUCCEEDED);
    // Cancelling a finished operation changes nothing.
    assertThat(other.cancelOperation(op.id(), ALICE).status()).isEqualTo(OperationStatus.SUCCEEDED);
  }

  @Test
  void aRestoreCancelledBeforeItAppliesChangesNothing() throws Exception {
    f.restart(b -> b.leaseTimeout(LEASE).progressInterval(TICK).restorePolicy(new RestorePolicy(1, Duration.ofMinutes(30), true)));
    BackupRecord b = f.engine.backup(BackupRequest.all(), ALICE);
    f.orders.put("customers", "1", "changed after the backup");
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    Map<String, Map<String, String>> before = f.orders.snapshot();
    // Cancelled while the safety backup runs, before anything is applied.
    String[] id = new String[1];
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    Operation op = f.engine.submitRestore(p.token(), ALICE);
    id[0] = op.id();
    assertThat(op.kind()).isEqualTo(OperationKind.RESTORE);
    assertThat(op.target()).isEqualTo(p.requestId());
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    other.cancelOperation(op.id(), ALICE);
    Thread.sleep(3 * TICK.toMillis());
    release.countDown();

    Operation done = finished(op.id());
    assertThat(done.status()).isEqualTo(OperationStatus.CANCELLED);
    assertThat(f.orders.snapshot()).isEqualTo(before);
    assertThat(f.orders.restoreCount()).isZero();
    assertThat(done.progress().datastores()).allSatisfy(d -> assertThat(d.state()).isEqualTo(DatastoreProgress.State.PENDING));
    assertThat(other.findRestore(p.requestId(), READER).orElseThrow().status()).isNotEqualTo(RestoreStatus.APPLIED);
    assertThat(f.count("maintenance_backups", "status = 'SUCCEEDED'")).isEqualTo(1); // no safety backup kept
  }

  @Test
  void aRestoreCancelledInsideTheDatastoresRestoreIsRolledBackAndTheRecordSaysSo() throws Exception {
    BackupRecord b = f.engine.backup(BackupRequest.all(), ALICE);
    f.orders.put("customers", "1", "changed after the backup");
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    Map<String, Map<String, String>> before = f.orders.snapshot();
    String[] id = new String[1];
    CountDownLatch started = new CountDownLatch(1);
    f.orders.at("restore.start", () -> {
      started.countDown();
      f.engine.cancelOperation(id[0], ALICE);
    });
    Operation op = f.engine.submitRestore(p.token(), ALICE);
    id[0] = op.id();

    Operation done = finished(op.id());
    assertThat(started.getCount()).isZero();
    assertThat(done.status()).isEqualTo(OperationStatus.CANCELLED);
    assertThat(done.error().orElseThrow().message()).contains("orders was rolled back");
    assertThat(done.progress().datastores()).singleElement()
        .satisfies(d -> assertThat(d.state()).isEqualTo(DatastoreProgress.State.ROLLED_BACK));
    assertThat(f.orders.snapshot()).isEqualTo(before);
    assertThat(other.findRestore(p.requestId(), READER).orElseThrow().status()).isEqualTo(RestoreStatus.FAILED);
  }

  @Test
  void aCancelThatComesAfterTheDatastoreCommittedLetsTheRestoreFinish() throws Exception {
    BackupRecord b = f.engine.backup(BackupRequest.all(), ALICE);
    f.orders.put("customers", "1", "changed after the backup");
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    String[] id = new String[1];
    CountDownLatch reached = new CountDownLatch(1);
    f.orders.at("restore.end", () -> {
      f.engine.cancelOperation(id[0], ALICE);
      reached.countDown();
    });
    Operation op = f.engine.submitRestore(p.token(), ALICE);
    id[0] = op.id();

    Operation done = finished(op.id());
    assertThat(reached.getCount()).isZero();
    assertThat(done.status()).isEqualTo(OperationStatus.SUCCEEDED);
    assertThat(done.cancelRequestedAt()).isPresent();
    assertThat(done.progress().datastores()).singleElement()
        .satisfies(d -> assertThat(d.state()).isEqualTo(DatastoreProgress.State.DONE));
    assertThat(f.orders.snapshot().get("customers")).containsEntry("1", "Ada");
    assertThat(other.findRestore(p.requestId(), READER).orElseThrow().status()).isEqualTo(RestoreStatus.APPLIED);
  }

  @Test
  void aSubmittedTaskReportsItsResultAndARefusalIsThrownAtOnce() throws Exception {
    f.engine.backup(BackupRequest.all(), ALICE);
    Operation op = f.engine.submitTask(TaskRequest.of(TaskType.VERIFY), ADMIN);
    assertThat(op.kind()).isEqualTo(OperationKind.VERIFY);
    Operation done = finished(op.id());
    assertThat(done.status()).isEqualTo(OperationStatus.SUCCEEDED);
    assertThat(other.findTask(op.target(), READER).orElseThrow().status()).isEqualTo(TaskStatus.SUCCEEDED);

    long before = f.count("maintenance_operations", "");
    assertThatThrownBy(() -> f.engine.submitTask(TaskRequest.builder(TaskType.REINDEX).datastore("nope").build(), ADMIN))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    assertThat(f.count("maintenance_operations", "")).isEqualTo(before);
  }

  @Test
  void theOperationLockRefusesASecondSubmitAtOnce() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    Operation op = f.engine.submitBackup(BackupRequest.all(), ALICE);
    try {
      assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> other.submitBackup(BackupRequest.all(), ALICE)).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.OPERATION_IN_PROGRESS));
    } finally {
      release.countDown();
    }
    assertThat(finished(op.id()).status()).isEqualTo(OperationStatus.SUCCEEDED);
  }

  @Test
  void theOperationOfACrashedReplicaIsSettledAsLeaseLost() throws Exception {
    proxy = TcpProxy.to("127.0.0.1", TestCatalog.server().getPort());
    MaintenanceEngine first = f.build(TestCatalog.viaPort(f.catalog, proxy.port()),
        b -> b.leaseTimeout(LEASE).progressInterval(TICK).catalogTimeout(Duration.ofSeconds(2)));
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    Operation op = first.submitBackup(BackupRequest.all(), ALICE);
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    proxy.down(); // the replica can no longer reach the catalog, as if it had stopped
    Thread.sleep(LEASE.toMillis() + 500);

    // Before anyone settles it, readers already see that its process is gone.
    assertThat(other.findOperation(op.id(), READER).orElseThrow().status()).isEqualTo(OperationStatus.FAILED);
    f.restart(b -> b.leaseTimeout(LEASE).progressInterval(TICK)); // start-up recovery
    Operation settled = other.findOperation(op.id(), READER).orElseThrow();
    assertThat(settled.status()).isEqualTo(OperationStatus.FAILED);
    assertThat(settled.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("LEASE_LOST"));
    assertThat(f.count("maintenance_operations", "id = '" + op.id() + "' AND outcome = 'FAILED'")).isEqualTo(1);
    // Start-up recovery is an operation too, and it succeeded.
    assertThat(other.listOperations(OperationQuery.firstPage(100).withKind(OperationKind.RECOVERY), READER).items())
        .isNotEmpty().allSatisfy(r -> assertThat(r.status()).isEqualTo(OperationStatus.SUCCEEDED));
    assertThat(other.listBackups(BackupQuery.firstPage(10), READER).items()).singleElement()
        .satisfies(b -> assertThat(b.status()).isEqualTo(BackupStatus.ABANDONED));
    release.countDown();
    first.close();
  }

  @Test
  void adminRoutesAnswer202WithALocationAndBlockWithWaitTrue() throws Exception {
    AdminRoutes routes = new AdminRoutes(f.engine);
    AdminResponse accepted = routes.handle(new AdminRequest("POST", "/maintenance/backups", Map.of(), "", ALICE));
    assertThat(accepted.status()).isEqualTo(202);
    String id = io.maintenance.core.internal.Json.read(accepted.body(), Operation.class).id();
    assertThat(accepted.headers()).containsEntry("Location", "/maintenance/operations/" + id);
    finished(id);

    AdminResponse one = routes.handle(new AdminRequest("GET", "/maintenance/operations/" + id, Map.of(), "", READER));
    assertThat(one.status()).isEqualTo(200);
    assertThat(one.body()).contains("\"status\":\"SUCCEEDED\"");
    AdminResponse list = routes.handle(new AdminRequest("GET", "/maintenance/operations", Map.of("kind", "backup",
        "status", "succeeded", "limit", "5"), "", READER));
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.body()).contains(id);

    AdminResponse blocking = routes.handle(new AdminRequest("POST", "/maintenance/backups", Map.of("wait", "true"), "", ALICE));
    assertThat(blocking.status()).isEqualTo(201);
    assertThat(blocking.body()).contains("\"status\":\"SUCCEEDED\"");
    AdminResponse task = routes.handle(new AdminRequest("POST", "/maintenance/tasks", Map.of(), "{\"type\":\"VERIFY\"}", ADMIN));
    assertThat(task.status()).isEqualTo(202);
    String taskOp = io.maintenance.core.internal.Json.read(task.body(), Operation.class).target();
    finished(io.maintenance.core.internal.Json.read(task.body(), Operation.class).id());
    assertThat(routes.handle(new AdminRequest("GET", "/maintenance/tasks/" + taskOp, Map.of(), "", READER)).body())
        .contains("\"status\":\"SUCCEEDED\"");

    long operations = f.count("maintenance_operations", "");
    assertThat(routes.handle(new AdminRequest("POST", "/maintenance/backups", Map.of("wait", "yes"), "", ALICE)).status())
        .isEqualTo(400);
    assertThat(routes.handle(new AdminRequest("GET", "/maintenance/operations/" + id + "/cancel", Map.of(), "", ALICE))
        .headers()).containsEntry("Allow", "POST");
    assertThat(routes.handle(new AdminRequest("POST", "/maintenance/operations/op-unknown/cancel", Map.of(), "", ALICE)).status())
        .isEqualTo(404);
    assertThat(routes.handle(new AdminRequest("POST", "/maintenance/operations/" + id + "/cancel", Map.of(), "", READER)).status())
        .isEqualTo(403);
    assertThat(f.count("maintenance_operations", "")).isEqualTo(operations);
  }
}
