package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static io.maintenance.core.testing.EngineFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.BackupType;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Page;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.core.testing.EngineFixture;
import io.maintenance.spi.support.Digests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BackupIT {
  private final EngineFixture f = new EngineFixture();

  @AfterEach
  void close() {
    f.close();
  }

  private static ThrowingConsumer<Throwable> code(ErrorCode code) {
    return e -> assertThat(((MaintenanceException) e).code()).isEqualTo(code);
  }

  @Test
  void backupStreamsArtifactsAndWritesAManifestThatMatchesTheCatalog() {
    BackupRecord b = f.engine.backup(BackupRequest.all(), ALICE);

    assertThat(b.status()).isEqualTo(BackupStatus.SUCCEEDED);
    assertThat(b.requestedBy()).isEqualTo("alice");
    assertThat(b.datastores()).containsExactly("orders");
    assertThat(b.artifactCount()).isEqualTo(2);
    byte[] manifestBytes = f.storage.backing().bytes("backups/" + b.id() + "/manifest.json").orElseThrow();
    assertThat(b.manifestSha256()).contains(Digests.sha256Hex(manifestBytes));
    BackupManifest m = f.engine.manifest(b.id(), ALICE);
    assertThat(m.datastores()).singleElement().satisfies(d -> {
      assertThat(d.artifacts()).extracting(ArtifactInfo::name).containsExactly("customers.json", "invoices.json");
      for (ArtifactInfo a : d.artifacts()) {
        byte[] stored = f.storage.backing().bytes("backups/" + b.id() + "/orders/" + a.name()).orElseThrow();
        assertThat(Digests.sha256Hex(stored)).isEqualTo(a.sha256());
        assertThat((long) stored.length).isEqualTo(a.size());
      }
    });
    assertThat(f.count("maintenance_upload_sessions", "")).as("no upload session left behind").isZero();
  }

  @Test
  void failingDatastoreMarksTheBackupFailedAndRemovesWhatItWrote() {
    f.orders.failNextBackup(new IllegalStateException("disk on fire"));

    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), ALICE)).satisfies(code(ErrorCode.DATASTORE_FAILURE));

    Page<BackupRecord> page = f.engine.listBackups(BackupQuery.firstPage(10), ALICE);
    assertThat(page.items()).singleElement().satisfies(r -> {
      assertThat(r.status()).isEqualTo(BackupStatus.FAILED);
      assertThat(r.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("DATASTORE_FAILURE"));
    });
    assertThat(f.storedKeys()).isEmpty();
    assertThat(f.count("maintenance_upload_sessions", "")).isZero();
  }

  @Test
  void anArtifactTheDatastoreNeverClosedFailsTheBackup() {
    f.orders.leaveNextArtifactOpen();

    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), ALICE)).satisfies(code(ErrorCode.DATASTORE_FAILURE))
        .hasMessageContaining("forgotten.json");
    assertThat(f.storedKeys()).isEmpty();
    assertThat(f.count("maintenance_upload_sessions", "")).isZero();
    assertThat(f.storage.backing().openSessions()).isZero();
  }

  @Test
  void secondBackupWhileOneHoldsTheLockFailsWithOperationInProgressAndChangesNothing() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    f.orders.blockNextBackup(started, release);
    CompletableFuture<BackupRecord> first = CompletableFuture.supplyAsync(() -> f.engine.backup(BackupRequest.all(), ALICE));
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), ADMIN))
        .satisfies(code(ErrorCode.OPERATION_IN_PROGRESS))
        .hasMessageContaining("by alice");
    assertThat(f.count("maintenance_backups", "")).isEqualTo(1);

    release.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(BackupStatus.SUCCEEDED);
  }

  @Test
  void runningRowLeftByACrashedProcessBecomesAbandonedAtTheNextStart() {
    f.sql(c -> Db.update(c, "INSERT INTO maintenance_backups (id, status, type, datastores, storage_provider, storage_prefix,"
        + " requested_by, owner, started_at) VALUES ('bk-crashed', 'RUNNING', 'FULL', '{orders}', 'memory', 'backups', 'alice',"
        + " 'dead-host', now())"));

    f.restart(b -> {});

    BackupRecord r = f.engine.findBackup("bk-crashed", ALICE).orElseThrow();
    assertThat(r.status()).isEqualTo(BackupStatus.ABANDONED);
    assertThat(r.manifestSha256()).isEmpty();
  }

  @Test
  void missingScopeIsForbiddenAuditedAndChangesNothing() {
    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), READER)).satisfies(code(ErrorCode.FORBIDDEN));

    assertThat(f.count("maintenance_backups", "")).isZero();
    assertThat(f.count("maintenance_audit_log", "actor = 'reader' AND action = 'backup' AND outcome = 'FORBIDDEN'")).isEqualTo(1);
  }

  @Test
  void unknownBackupIdIsNotFound() {
    assertThat(f.engine.findBackup("bk-nope", ALICE)).isEmpty();
    assertThatThrownBy(() -> f.engine.manifest("bk-nope", ALICE)).satisfies(code(ErrorCode.NOT_FOUND));
    assertThatThrownBy(() -> f.engine.deleteBackup("bk-nope", ADMIN)).satisfies(code(ErrorCode.NOT_FOUND));
  }

  @Test
  void unknownDatastoreIsRejectedBeforeAnythingStarts() {
    assertThatThrownBy(() -> f.engine.backup(BackupRequest.builder().datastore("nope").build(), ALICE))
        .satisfies(code(ErrorCode.INVALID_REQUEST))
        .hasMessageContaining("configured: orders");
    assertThat(f.count("maintenance_backups", "")).isZero();
  }

  @Test
  void listingPagesThroughBackupsNewestFirst() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      f.clock.advance(Duration.ofMinutes(1));
      ids.add(0, f.engine.backup(BackupRequest.all(), ALICE).id());
    }
    List<String> seen = new ArrayList<>();
    BackupQuery q = BackupQuery.firstPage(2);
    while (true) {
      Page<BackupRecord> page = f.engine.listBackups(q, READER);
      page.items().forEach(r -> seen.add(r.id()));
      if (page.nextCursor().isEmpty()) {
        break;
      }
      q = q.after(page.nextCursor().get());
    }
    assertThat(seen).containsExactlyElementsOf(ids);
    assertThat(f.engine.listBackups(BackupQuery.firstPage(10).withStatus(BackupStatus.FAILED), READER).items()).isEmpty();
    assertThatThrownBy(() -> f.engine.listBackups(BackupQuery.firstPage(10).after("garbage!"), READER))
        .satisfies(code(ErrorCode.INVALID_REQUEST));
  }

  @Test
  void incrementalBackupReusesArtifactsOfUnchangedTables() {
    BackupRecord full = f.engine.backup(BackupRequest.all(), ALICE);
    f.orders.put("invoices", "101", "13.37");
    f.clock.advance(Duration.ofMinutes(1));

    BackupRecord inc = f.engine.backup(BackupRequest.builder().type(BackupType.INCREMENTAL).build(), ALICE);

    assertThat(inc.type()).isEqualTo(BackupType.INCREMENTAL);
    assertThat(inc.parentId()).contains(full.id());
    BackupManifest m = f.engine.manifest(inc.id(), ALICE);
    assertThat(m.datastores().get(0).artifacts()).satisfiesExactly(
        customers -> assertThat(customers.heldBy()).contains(full.id()),
        invoices -> assertThat(invoices.heldBy()).isEmpty());
    assertThat(f.storedKeys()).noneMatch(k -> k.startsWith("backups/" + inc.id() + "/orders/customers"));
  }

  @Test
  void incrementalWithoutAnEarlierBackupIsTakenAsFull() {
    BackupRecord b = f.engine.backup(BackupRequest.builder().type(BackupType.INCREMENTAL).build(), ALICE);

    assertThat(b.type()).isEqualTo(BackupType.FULL);
    assertThat(b.parentId()).isEmpty();
  }

  @Test
  void deleteRemovesArtifactsThenTheRowAndRefusesParentsOfIncrementals() {
    BackupRecord full = f.engine.backup(BackupRequest.all(), ALICE);
    f.clock.advance(Duration.ofMinutes(1));
    BackupRecord inc = f.engine.backup(BackupRequest.builder().type(BackupType.INCREMENTAL).build(), ALICE);

    assertThatThrownBy(() -> f.engine.deleteBackup(full.id(), ADMIN)).satisfies(code(ErrorCode.INVALID_REQUEST))
        .hasMessageContaining(inc.id());
    assertThatThrownBy(() -> f.engine.deleteBackup(inc.id(), ALICE)).satisfies(code(ErrorCode.FORBIDDEN));

    f.engine.deleteBackup(inc.id(), ADMIN);
    f.engine.deleteBackup(full.id(), ADMIN);

    assertThat(f.storedKeys()).isEmpty();
    assertThat(f.count("maintenance_backups", "")).isZero();
  }
}
