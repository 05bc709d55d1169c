package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static io.maintenance.core.testing.EngineFixture.READER;
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
import io.maintenance.api.TaskItem;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.http.AdminRequest;
import io.maintenance.core.http.AdminResponse;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.core.testing.EngineFixture;
import io.maintenance.core.testing.GatedStorage;
import io.maintenance.core.testing.LostAnswers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** VERIFY and corrupt backups, pinned reads at confirm, first causes, the storage check, strict ids and cursors. */
class ReliabilityIT {
  private final EngineFixture f = new EngineFixture();
  private final GatedStorage storage = new GatedStorage(f.storage);

  ReliabilityIT() {
    f.restart(b -> b.storage(storage).retentionPolicy(RetentionPolicy.builder().keepLast(1).build()));
  }

  @AfterEach
  void close() {
    f.close();
  }

  private static ThrowingConsumer<Throwable> code(ErrorCode code) {
    return e -> assertThat(((MaintenanceException) e).code()).isEqualTo(code);
  }

  private BackupRecord backup() {
    f.clock.advance(Duration.ofMinutes(1));
    return f.engine.backup(BackupRequest.all(), ALICE);
  }

  private void flipAByte(String key) {
    byte[] bytes = f.storage.backing().bytes(key).orElseThrow();
    bytes[bytes.length / 2] ^= 1;
    f.storage.backing().tamper(key, bytes);
  }

  @Test
  void verifyReportsEveryBadArtifactMarksTheBackupCorruptAndAnIntactVerifyClearsIt() {
    BackupRecord b = backup();
    String customers = "backups/" + b.id() + "/orders/customers.json";
    byte[] original = f.storage.backing().bytes(customers).orElseThrow();
    flipAByte(customers);
    f.storage.delete("backups/" + b.id() + "/orders/invoices.json");

    TaskResult r = f.engine.runTask(TaskRequest.of(TaskType.VERIFY), ADMIN);

    assertThat(r.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(r.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("INTEGRITY_MISMATCH"));
    assertThat(r.items()).extracting(TaskItem::target, TaskItem::outcome).contains(
        org.assertj.core.groups.Tuple.tuple(b.id() + "/orders/customers.json", "INTEGRITY_MISMATCH"),
        org.assertj.core.groups.Tuple.tuple(b.id() + "/orders/invoices.json", "ARTIFACT_MISSING"),
        org.assertj.core.groups.Tuple.tuple(b.id(), "INTEGRITY_MISMATCH"));
    BackupRecord corrupt = f.engine.findBackup(b.id(), READER).orElseThrow();
    assertThat(corrupt.status()).isEqualTo(BackupStatus.CORRUPT);
    assertThat(corrupt.error()).hasValueSatisfying(e -> {
      assertThat(e.code()).isEqualTo("INTEGRITY_MISMATCH");
      assertThat(e.message()).contains("customers.json");
    });
    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE)).satisfies(code(ErrorCode.INVALID_REQUEST))
        .hasMessageContaining("CORRUPT");

    // Repaired (e.g. copied back from a replica): the next VERIFY makes it restorable again.
    f.storage.backing().tamper(customers, original);
    TaskResult missingOnly = f.engine.runTask(TaskRequest.builder(TaskType.VERIFY).backup(b.id()).build(), ADMIN);
    assertThat(missingOnly.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("ARTIFACT_MISSING"));
    assertThat(f.engine.findBackup(b.id(), READER).orElseThrow().error())
        .hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("ARTIFACT_MISSING"));
  }

  @Test
  void aCorruptBackupIsNeitherCountedNorPrunedByRetention() {
    BackupRecord older = backup();
    BackupRecord newest = backup();
    flipAByte("backups/" + newest.id() + "/orders/customers.json");
    f.engine.runTask(TaskRequest.of(TaskType.VERIFY), ADMIN);

    TaskResult r = f.engine.runTask(TaskRequest.of(TaskType.RETENTION), ADMIN);

    // keep-last 1 keeps the newest restorable backup, not the corrupt one; the corrupt one stays as evidence.
    assertThat(f.engine.findBackup(older.id(), READER)).hasValueSatisfying(x -> assertThat(x.status()).isEqualTo(BackupStatus.SUCCEEDED));
    assertThat(f.engine.findBackup(newest.id(), READER)).hasValueSatisfying(x -> assertThat(x.status()).isEqualTo(BackupStatus.CORRUPT));
    assertThat(r.items()).anySatisfy(i -> {
      assertThat(i.target()).isEqualTo(newest.id());
      assertThat(i.detail()).contains("CORRUPT");
    });
  }

  @Test
  void verifyWithTheStorageUnreachableSaysSoAndMarksNothing() {
    BackupRecord b = backup();
    storage.failReads("backups/", new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE, "S3 GetObject failed: connect timed out",
        Map.of("reason", "STORAGE_UNREACHABLE")));

    TaskResult r = f.engine.runTask(TaskRequest.of(TaskType.VERIFY), ADMIN);

    assertThat(r.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("DEPENDENCY_UNAVAILABLE"));
    assertThat(f.engine.findBackup(b.id(), READER).orElseThrow().status()).isEqualTo(BackupStatus.SUCCEEDED);
  }

  @Test
  void confirmReadsExactlyTheVersionsThePreviewVerified() {
    BackupRecord b = backup();
    f.orders.put("customers", "9", "changed");
    Map<String, Map<String, String>> before = f.orders.snapshot();
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    String key = "backups/" + b.id() + "/orders/invoices.json";
    // Rewritten with other bytes after the preview: a broken header would have read as INCOMPATIBLE_ARTIFACT.
    f.storage.backing().tamper(key, "not json at all".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> f.engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.INTEGRITY_MISMATCH))
        .hasMessageContaining("invoices.json").hasMessageContaining("replaced after it was verified");
    assertThat(f.orders.snapshot()).isEqualTo(before);
    assertThat(f.orders.restoreCount()).isZero();
  }

  @Test
  void anArtifactRewrittenWithTheSameBytesIsStillAnotherVersion() {
    BackupRecord b = backup();
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE);
    String key = "backups/" + b.id() + "/orders/customers.json";
    f.storage.backing().tamper(key, f.storage.backing().bytes(key).orElseThrow());

    assertThatThrownBy(() -> f.engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.INTEGRITY_MISMATCH));
    RestoreRecord r = f.engine.findRestore(p.requestId(), ALICE).orElseThrow();
    assertThat(r.status()).isEqualTo(RestoreStatus.FAILED);
  }

  @Test
  void theStorageIsCheckedBeforeAnyDatastoreOpensASnapshot() {
    AtomicBoolean snapshotOpened = new AtomicBoolean();
    f.orders.at("backup.start", () -> snapshotOpened.set(true));
    storage.failWrites("owner.json", new MaintenanceException(ErrorCode.CONFIG_INVALID, "S3 PutObject failed: 403 InvalidAccessKeyId",
        Map.of("reason", "STORAGE_AUTH_FAILED")));

    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), ALICE)).satisfies(code(ErrorCode.CONFIG_INVALID))
        .hasMessageContaining("InvalidAccessKeyId");

    assertThat(snapshotOpened).isFalse();
    BackupRecord failed = f.engine.listBackups(BackupQuery.firstPage(1), READER).items().get(0);
    assertThat(failed.status()).isEqualTo(BackupStatus.FAILED);
    assertThat(failed.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("CONFIG_INVALID"));
  }

  @Test
  void aStorageFailureStaysTheReportedCauseWhateverTheDatastoreThrowsAfterIt() {
    f.orders.masksStorageFailures(true);
    storage.failWrites("/orders/", new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE,
        "S3 UploadPart failed: Read timed out", Map.of("reason", "STORAGE_UNREACHABLE")));

    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), ALICE)).satisfies(code(ErrorCode.DEPENDENCY_UNAVAILABLE))
        .hasMessageContaining("Read timed out")
        .satisfies(e -> assertThat(e.getSuppressed()).anySatisfy(s -> assertThat(s).hasMessageContaining("57014")));
    BackupRecord failed = f.engine.listBackups(BackupQuery.firstPage(1), READER).items().get(0);
    assertThat(failed.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("DEPENDENCY_UNAVAILABLE"));
    // Cleaning up would wait out the unreachable storage's deadline again: what was written is left to the sweep.
    assertThat(f.storedKeys()).contains("backups/" + failed.id() + "/owner.json");
  }

  @Test
  void aBackupFailedByAnUnreachableDatastoreCleansUpAtOnce() {
    f.orders.at("backup.end", () -> {
      throw new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE, "connection to the orders database refused");
    });

    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), ALICE)).satisfies(code(ErrorCode.DEPENDENCY_UNAVAILABLE));

    BackupRecord failed = f.engine.listBackups(BackupQuery.firstPage(1), READER).items().get(0);
    assertThat(failed.status()).isEqualTo(BackupStatus.FAILED);
    assertThat(f.storedKeys()).isEmpty();
  }

  @Test
  void aBackupWhoseRecordedSuccessLostItsAnswerIsConfirmedAndKeptNotCleanedUp() {
    LostAnswers via = new LostAnswers(f.catalog, sql -> sql.contains("SET status = 'SUCCEEDED'")).arm(1);
    try (MaintenanceEngine replica = f.build(via, b -> b.storage(storage))) {
      BackupRecord b = replica.backup(BackupRequest.all(), ALICE);

      assertThat(via.remaining()).isZero();
      assertThat(b.status()).isEqualTo(BackupStatus.SUCCEEDED);
      assertThat(f.storedKeys()).contains("backups/" + b.id() + "/manifest.json", "backups/" + b.id() + "/orders/customers.json");
      assertThat(f.engine.runTask(TaskRequest.of(TaskType.VERIFY), ADMIN).status()).isEqualTo(TaskStatus.SUCCEEDED);
      assertThat(f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE).plan()).isNotNull();
    }
  }

  @Test
  void aForgedListingCursorIsRefused() {
    backup();
    backup();
    String valid = f.engine.listBackups(BackupQuery.firstPage(1), READER).nextCursor().orElseThrow();
    String farFuture = Base64.getUrlEncoder().withoutPadding().encodeToString(
        ("9223372036854775|bk-20261126-080100-00000000").getBytes(StandardCharsets.UTF_8));
    String negative = Base64.getUrlEncoder().withoutPadding().encodeToString(
        ("-62135596800000000|bk-x").getBytes(StandardCharsets.UTF_8));
    String nul = Base64.getUrlEncoder().withoutPadding().encodeToString(
        ("1795680060000000|bk-\u0000").getBytes(StandardCharsets.UTF_8));

    assertThat(f.engine.listBackups(BackupQuery.firstPage(1).after(valid), READER).items()).hasSize(1);
    for (String forged : new String[] {farFuture, negative, nul, valid + "=", "x".repeat(10)}) {
      assertThatThrownBy(() -> f.engine.listBackups(BackupQuery.firstPage(1).after(forged), READER)).as(forged)
          .satisfies(code(ErrorCode.INVALID_REQUEST));
    }
  }

  @Test
  void unprintableInputIsRefusedBeforeItReachesTheCatalogAndAuditedEscaped() {
    AdminRoutes routes = new AdminRoutes(f.engine);
    AdminResponse r = routes.handle(new AdminRequest("GET", "/maintenance/backups/bk-\u0000x", Map.of(), "", READER));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("\"pointer\":\"/path/id\"").doesNotContain("SQLSTATE");
    AdminResponse label = routes.handle(new AdminRequest("POST", "/maintenance/backups", Map.of(),
        "{\"labels\":{\"reason\":\"a\\u0000b\"}}", ALICE));
    assertThat(label.status()).isEqualTo(400);
    assertThat(label.body()).contains("/labels/reason");
    assertThatThrownBy(() -> f.engine.findBackup("bk-\u0000", READER)).satisfies(code(ErrorCode.INVALID_REQUEST));
    assertThatThrownBy(() -> f.engine.approveRestore("rr-1", "ok\u0000", ADMIN)).satisfies(code(ErrorCode.INVALID_REQUEST));

    assertThat(f.count("maintenance_backups", "")).isZero();
    assertThat(f.count("maintenance_audit_log", "target = 'bk-\\u0000x' AND outcome = 'INVALID_REQUEST'")).isEqualTo(1);
    assertThat(f.engine.verifyAudit(READER).intact()).isTrue();
  }
}
