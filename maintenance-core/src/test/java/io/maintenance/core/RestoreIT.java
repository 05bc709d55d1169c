package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ALICE;
import static io.maintenance.core.testing.EngineFixture.BOB;
import static io.maintenance.core.testing.EngineFixture.CAROL;
import static io.maintenance.core.testing.EngineFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRecord;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.core.testing.EngineFixture;
import io.maintenance.spi.support.Digests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RestoreIT {
  private final EngineFixture f = new EngineFixture(b -> b.restorePolicy(new RestorePolicy(1, Duration.ofMinutes(15), false)));
  private BackupRecord backup;
  private Map<String, Map<String, String>> original;

  RestoreIT() {
    original = f.orders.snapshot();
    backup = f.engine.backup(BackupRequest.all(), ALICE);
    // The live data moves on after the backup.
    f.orders.put("customers", "3", "Linus").remove("customers", "1").put("invoices", "100", "0.00");
  }

  @AfterEach
  void close() {
    f.close();
  }

  private static ThrowingConsumer<Throwable> code(ErrorCode code) {
    return e -> assertThat(((MaintenanceException) e).code()).isEqualTo(code);
  }

  private Map<String, Map<String, String>> live() {
    return f.orders.snapshot();
  }

  @Test
  void previewPlansADiffAndReturnsATokenWithoutTouchingTheData() {
    Map<String, Map<String, String>> before = live();

    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);

    assertThat(live()).isEqualTo(before);
    assertThat(p.token()).startsWith("mrt_").hasSizeGreaterThan(40);
    assertThat(p.toString()).doesNotContain(p.token());
    assertThat(p.approvalsRequired()).isEqualTo(1);
    assertThat(p.plan().datastores()).singleElement().satisfies(d -> assertThat(d.resources()).anySatisfy(r -> {
      assertThat(r.name()).isEqualTo("customers");
      assertThat(r.change()).isEqualTo(ChangeKind.REPLACE);
      assertThat(r.counts()).singleElement().satisfies(c -> {
        assertThat(c.before()).isEqualTo(2);
        assertThat(c.after()).isEqualTo(2);
      });
      assertThat(r.itemsLost()).isEqualTo(1);
    }));
    // Only the token's hash is stored.
    assertThat(f.count("maintenance_restore_requests", "token_hash = '" + Digests.sha256Hex(p.token()) + "'")).isEqualTo(1);
    assertThat(f.count("maintenance_restore_requests", "plan::text LIKE '%" + p.token() + "%'")).isZero();
  }

  @Test
  void approvedConfirmAppliesTheBackupAndRecordsIt() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "checked with the on-call", BOB);

    RestoreRecord r = f.engine.confirmRestore(p.token(), ALICE);

    assertThat(r.status()).isEqualTo(RestoreStatus.APPLIED);
    assertThat(live()).isEqualTo(original);
    assertThat(r.approvals()).singleElement().satisfies(a -> assertThat(a.approver()).isEqualTo("bob"));
    assertThat(r.applied()).isNotEmpty();
    assertThat(f.count("maintenance_audit_log", "action = 'restore.confirm' AND outcome = 'success'")).isEqualTo(1);
  }

  @Test
  void tamperedTokenIsInvalidAndChangesNothing() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    Map<String, Map<String, String>> before = live();
    char[] t = p.token().toCharArray();
    t[10] = t[10] == 'A' ? 'B' : 'A';

    assertThatThrownBy(() -> f.engine.confirmRestore(new String(t), ALICE)).satisfies(code(ErrorCode.TOKEN_INVALID));
    assertThatThrownBy(() -> f.engine.confirmRestore("", ALICE)).satisfies(code(ErrorCode.TOKEN_INVALID));

    assertThat(live()).isEqualTo(before);
    assertThat(f.engine.findRestore(p.requestId(), ALICE).orElseThrow().status()).isEqualTo(RestoreStatus.PREVIEWED);
  }

  @Test
  void expiredTokenIsRejectedAndChangesNothing() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    Map<String, Map<String, String>> before = live();
    f.clock.advance(Duration.ofMinutes(16));

    assertThatThrownBy(() -> f.engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.TOKEN_EXPIRED));

    assertThat(live()).isEqualTo(before);
    assertThat(f.engine.findRestore(p.requestId(), ALICE).orElseThrow().status()).isEqualTo(RestoreStatus.EXPIRED);
    assertThatThrownBy(() -> f.engine.approveRestore(p.requestId(), "", CAROL)).satisfies(code(ErrorCode.TOKEN_EXPIRED));
  }

  @Test
  void reusedTokenIsRejected() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    f.engine.confirmRestore(p.token(), ALICE);
    f.orders.put("customers", "9", "changed again");
    Map<String, Map<String, String>> before = live();

    assertThatThrownBy(() -> f.engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.TOKEN_CONSUMED));

    assertThat(live()).isEqualTo(before);
    assertThat(f.orders.restoreCount()).isEqualTo(1);
  }

  @Test
  void requesterCannotApproveTheirOwnRestore() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    var alsoApprover = io.maintenance.api.Principal.system("alice");

    assertThatThrownBy(() -> f.engine.approveRestore(p.requestId(), "", alsoApprover)).satisfies(code(ErrorCode.SELF_APPROVAL_FORBIDDEN));

    assertThat(f.engine.findRestore(p.requestId(), ALICE).orElseThrow().approvals()).isEmpty();
  }

  @Test
  void eachPersonVotesOnce() {
    f.restart(b -> b.restorePolicy(new RestorePolicy(2, Duration.ofMinutes(15), false)));
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);

    assertThatThrownBy(() -> f.engine.approveRestore(p.requestId(), "", BOB)).satisfies(code(ErrorCode.INVALID_REQUEST));
    assertThatThrownBy(() -> f.engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.APPROVAL_REQUIRED))
        .hasMessageContaining("1 of 2");

    f.engine.approveRestore(p.requestId(), "", CAROL);
    assertThat(f.engine.confirmRestore(p.token(), ALICE).status()).isEqualTo(RestoreStatus.APPLIED);
  }

  @Test
  void confirmWithoutApprovalsFailsAndChangesNothing() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    Map<String, Map<String, String>> before = live();

    assertThatThrownBy(() -> f.engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.APPROVAL_REQUIRED));

    assertThat(live()).isEqualTo(before);
    assertThat(f.engine.findRestore(p.requestId(), ALICE).orElseThrow().status()).isEqualTo(RestoreStatus.PREVIEWED);
  }

  @Test
  void confirmFailsWhenTargetChangedAfterPreview() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    f.orders.put("invoices", "102", "written after the preview");
    Map<String, Map<String, String>> before = live();

    assertThatThrownBy(() -> f.engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.PLAN_STALE))
        .hasMessageContaining("orders:invoices");

    assertThat(live()).isEqualTo(before);
    assertThat(f.engine.findRestore(p.requestId(), ALICE).orElseThrow().status()).isEqualTo(RestoreStatus.PREVIEWED);
  }

  @Test
  void alteredArtifactFailsThePreviewWithIntegrityMismatch() {
    String key = "backups/" + backup.id() + "/orders/customers.json";
    byte[] bytes = f.storage.backing().bytes(key).orElseThrow();
    bytes[bytes.length / 2] ^= 1;
    f.storage.backing().tamper(key, bytes);

    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE))
        .satisfies(code(ErrorCode.INTEGRITY_MISMATCH)).hasMessageContaining("customers.json");
    assertThat(f.count("maintenance_restore_requests", "")).isZero();
  }

  @Test
  void truncatedArtifactFailsThePreview() {
    String key = "backups/" + backup.id() + "/orders/invoices.json";
    byte[] bytes = f.storage.backing().bytes(key).orElseThrow();
    f.storage.backing().tamper(key, Arrays.copyOf(bytes, bytes.length - 3));

    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE))
        .satisfies(code(ErrorCode.INTEGRITY_MISMATCH)).hasMessageContaining("truncated");
  }

  @Test
  void artifactAlteredBetweenPreviewAndConfirmFailsTheApplyAndLeavesTheDataAlone() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    String key = "backups/" + backup.id() + "/orders/invoices.json";
    byte[] bytes = f.storage.backing().bytes(key).orElseThrow();
    bytes[2] ^= 1;
    f.storage.backing().tamper(key, bytes);
    Map<String, Map<String, String>> before = live();

    assertThatThrownBy(() -> f.engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.INTEGRITY_MISMATCH));

    assertThat(live()).isEqualTo(before);
    RestoreRecord r = f.engine.findRestore(p.requestId(), ALICE).orElseThrow();
    assertThat(r.status()).isEqualTo(RestoreStatus.FAILED);
    assertThat(r.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("INTEGRITY_MISMATCH"));
  }

  @Test
  void manifestThatDoesNotMatchTheCatalogIsRefused() {
    String key = "backups/" + backup.id() + "/manifest.json";
    String json = new String(f.storage.backing().bytes(key).orElseThrow()).replace("\"FULL\"", "\"FULL\" ");
    f.storage.backing().tamper(key, json.getBytes());

    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE))
        .satisfies(code(ErrorCode.INTEGRITY_MISMATCH)).hasMessageContaining("does not match the catalog");
  }

  @Test
  void missingArtifactFailsThePreview() {
    f.storage.delete("backups/" + backup.id() + "/orders/customers.json");

    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE)).satisfies(code(ErrorCode.ARTIFACT_MISSING));
  }

  @Test
  void unknownBackupAndMissingScopeAreRefused() {
    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of("bk-none"), ALICE)).satisfies(code(ErrorCode.NOT_FOUND));
    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(backup.id()), READER)).satisfies(code(ErrorCode.FORBIDDEN));
    assertThatThrownBy(() -> f.engine.confirmRestore("mrt_x", BOB)).satisfies(code(ErrorCode.FORBIDDEN));
    assertThatThrownBy(() -> f.engine.approveRestore("rr-x", "", ALICE)).satisfies(code(ErrorCode.FORBIDDEN));
    assertThatThrownBy(() -> f.engine.approveRestore("rr-x", "", BOB)).satisfies(code(ErrorCode.NOT_FOUND));
    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.builder(backup.id()).datastore("nope").build(), ALICE))
        .satisfies(code(ErrorCode.INVALID_REQUEST));
  }

  @Test
  void aSelectionOfResourcesRestoresOnlyThoseAndDriftElsewhereDoesNotMatter() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.builder(backup.id()).resource("orders", "customers").build(), ALICE);
    assertThat(p.plan().datastores()).singleElement().satisfies(d ->
        assertThat(d.resources()).extracting(r -> r.name()).containsExactly("customers"));
    f.engine.approveRestore(p.requestId(), "", BOB);
    // A write to a table outside the selection is not drift for this restore.
    f.orders.put("invoices", "101", "1.00");
    Map<String, String> invoicesBefore = live().get("invoices");

    RestoreRecord r = f.engine.confirmRestore(p.token(), ALICE);

    assertThat(r.status()).isEqualTo(RestoreStatus.APPLIED);
    assertThat(live().get("customers")).isEqualTo(original.get("customers"));
    assertThat(live().get("invoices")).isEqualTo(invoicesBefore);
  }

  @Test
  void aResourceTheBackupDoesNotHoldIsRefused() {
    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.builder(backup.id()).resource("orders", "nope").build(), ALICE))
        .satisfies(code(ErrorCode.INVALID_REQUEST))
        .hasMessageContaining("orders:nope");
  }

  @Test
  void twoConcurrentConfirmsApplyExactlyOnce() throws Exception {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<RestoreRecord>> results = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      results.add(pool.submit((Callable<RestoreRecord>) () -> {
        go.await();
        return f.engine.confirmRestore(p.token(), ALICE);
      }));
    }
    go.countDown();
    int applied = 0;
    List<ErrorCode> refused = new ArrayList<>();
    for (Future<RestoreRecord> r : results) {
      try {
        r.get();
        applied++;
      } catch (java.util.concurrent.ExecutionException e) {
        refused.add(((MaintenanceException) e.getCause()).code());
      }
    }
    pool.shutdown();

    assertThat(applied).isEqualTo(1);
    // A loser's retry could only ever find the token used, so that is what each is told (not a retryable code).
    assertThat(refused).hasSize(3).containsOnly(ErrorCode.TOKEN_CONSUMED);
    assertThat(f.orders.restoreCount()).isEqualTo(1);
  }

  @Test
  void safetyBackupIsTakenBeforeApplyingAndNamedInTheRecord() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.builder(backup.id()).safetyBackup(true).build(), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    Map<String, Map<String, String>> beforeRestore = live();

    RestoreRecord r = f.engine.confirmRestore(p.token(), ALICE);

    assertThat(r.safetyBackupId()).isPresent();
    BackupRecord safety = f.engine.findBackup(r.safetyBackupId().get(), ALICE).orElseThrow();
    assertThat(safety.status()).isEqualTo(BackupStatus.SUCCEEDED);
    assertThat(safety.labels()).containsEntry("safety-for", p.requestId());
    // The safety backup holds the data as it was just before: restoring it undoes the restore.
    RestorePreview undo = f.engine.previewRestore(RestoreRequest.of(safety.id()), ALICE);
    f.engine.approveRestore(undo.requestId(), "", BOB);
    f.engine.confirmRestore(undo.token(), ALICE);
    assertThat(live()).isEqualTo(beforeRestore);
  }

  @Test
  void failedApplyIsRecordedWithItsCode() {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    f.orders.failNextRestore(new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "connection reset"));
    Map<String, Map<String, String>> before = live();

    assertThatThrownBy(() -> f.engine.confirmRestore(p.token(), ALICE)).satisfies(code(ErrorCode.DATASTORE_FAILURE));

    assertThat(live()).isEqualTo(before);
    RestoreRecord r = f.engine.findRestore(p.requestId(), ALICE).orElseThrow();
    assertThat(r.status()).isEqualTo(RestoreStatus.FAILED);
    assertThat(r.error()).hasValueSatisfying(e -> assertThat(e.message()).contains("connection reset"));
  }
}
