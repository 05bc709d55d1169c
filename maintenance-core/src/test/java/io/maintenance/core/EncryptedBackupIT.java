package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static io.maintenance.core.testing.EngineFixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupType;
import io.maintenance.api.Compression;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.TaskItem;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.internal.artifacts.TestKeys;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.core.testing.EngineFixture;
import io.maintenance.spi.support.Digests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine with encryption on: keyset-file keys, restore, VERIFY without the key, missing keys at preview, REKEY. */
class EncryptedBackupIT {
  @TempDir Path dir;
  private Path kek;
  private EngineFixture f;

  @BeforeEach
  void start() throws Exception {
    kek = TestKeys.newKeyset(dir, "kek.json");
    f = new EngineFixture(encrypted());
  }

  @AfterEach
  void close() {
    f.close();
  }

  private Consumer<MaintenanceEngine.Builder> encrypted() {
    return b -> b.configure(Map.of("artifacts.encryption", "keyset", "artifacts.encryption.keyset-file", kek.toString()));
  }

  private String keyId() throws Exception {
    return "keyset:" + Integer.toUnsignedString(TestKeys.primaryId(kek));
  }

  private Map<String, byte[]> artifactBytes(String backupId) {
    Map<String, byte[]> out = new HashMap<>();
    for (String k : f.storedKeys()) {
      if (k.startsWith("backups/" + backupId + "/") && !k.endsWith("manifest.json")) {
        out.put(k, f.storage.backing().bytes(k).orElseThrow());
      }
    }
    return out;
  }

  private void restore(String backupId) {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backupId), ALICE);
    f.engine.approveRestore(p.requestId(), "ok", BOB);
    assertThat(f.engine.confirmRestore(p.token(), ALICE).status()).isEqualTo(RestoreStatus.APPLIED);
  }

  @Test
  void everyArtifactIsEncryptedAndTheBackupRestores() throws Exception {
    Map<String, Map<String, String>> original = f.orders.snapshot();
    BackupRecord b = f.engine.backup(BackupRequest.all(), ALICE);

    BackupManifest m = f.engine.manifest(b.id(), ADMIN);
    assertThat(m.formatVersion()).isEqualTo(2);
    assertThat(m.dataKeys()).singleElement().satisfies(k -> {
      assertThat(k.id()).isEqualTo(b.id());
      assertThat(k.keyId()).isEqualTo(keyId());
    });
    assertThat(m.datastores().get(0).artifacts()).isNotEmpty().allSatisfy(a -> {
      assertThat(a.dataKey()).contains(b.id());
      assertThat(a.compression()).isEqualTo(Compression.ZSTD);
    });
    assertThat(artifactBytes(b.id())).isNotEmpty().allSatisfy((k, v) -> {
      String text = new String(v, StandardCharsets.ISO_8859_1);
      assertThat(text).doesNotContain("Ada").doesNotContain("Grace").doesNotContain("42.00");
    });
    String manifestText = new String(f.storage.backing().bytes("backups/" + b.id() + "/manifest.json").orElseThrow(),
        StandardCharsets.UTF_8);
    assertThat(manifestText).contains("\"wrappedKey\"").doesNotContain("Ada");

    f.orders.put("customers", "1", "Mallory").remove("invoices", "100");
    restore(b.id());
    assertThat(f.orders.snapshot()).isEqualTo(original);
  }

  @Test
  void verifyNeedsNoKeyWhilePreviewRefusesNamingTheMissingKeyAndAppliesNothing() throws Exception {
    BackupRecord b = f.engine.backup(BackupRequest.all(), ALICE);
    String keyId = keyId();
    f.restart(x -> {});
    f.orders.put("customers", "1", "Mallory");
    Map<String, Map<String, String>> changed = f.orders.snapshot();

    TaskResult verify = f.engine.runTask(TaskRequest.of(TaskType.VERIFY), ADMIN);
    assertThat(verify.status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(verify.items()).singleElement().satisfies(i -> assertThat(i.outcome()).isEqualTo("ok"));

    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
          assertThat(e.details()).containsEntry("keyId", keyId);
          assertThat(e.getMessage()).contains(keyId);
        });
    assertThat(f.count("maintenance_restore_requests", "")).isZero();
    assertThat(f.orders.restoreCount()).isZero();
    assertThat(f.orders.snapshot()).isEqualTo(changed);

    // a keyset that does not hold the key is as good as none
    Path other = TestKeys.newKeyset(dir, "other.json");
    f.restart(x -> x.configure(Map.of("artifacts.encryption", "keyset", "artifacts.encryption.keyset-file", other.toString())));
    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.details()).containsEntry("keyId", keyId));
  }

  @Test
  void aFlippedCiphertextByteIsRefusedAtPreviewWithNothingApplied() {
    BackupRecord b = f.engine.backup(BackupRequest.all(), ALICE);
    String key = artifactBytes(b.id()).keySet().iterator().next();
    byte[] bytes = f.storage.backing().bytes(key).orElseThrow();
    bytes[bytes.length - 20] ^= 0x40;
    f.storage.backing().tamper(key, bytes);
    f.orders.put("customers", "1", "Mallory");

    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
    assertThat(f.orders.restoreCount()).isZero();
    assertThat(f.orders.snapshot().get("customers")).containsEntry("1", "Mallory");
  }

  @Test
  void rekeyRewrapsOlderBackupsSoTheRetiredKeyCanGoAndArtifactsStayUntouched() throws Exception {
    Map<String, Map<String, String>> original = f.orders.snapshot();
    BackupRecord old = f.engine.backup(BackupRequest.all(), ALICE);
    String oldKey = keyId();
    Map<String, byte[]> artifactsBefore = artifactBytes(old.id());

    TestKeys.rotate(kek);
    f.restart(encrypted());
    String newKey = keyId();
    f.clock.advance(Duration.ofMinutes(5));
    BackupRecord fresh = f.engine.backup(BackupRequest.all(), ALICE);
    assertThat(f.engine.manifest(fresh.id(), ADMIN).dataKeys().get(0).keyId()).isEqualTo(newKey);

    TaskResult dry = f.engine.runTask(TaskRequest.builder(TaskType.REKEY).dryRun(true).build(), ADMIN);
    assertThat(dry.items()).filteredOn(i -> i.outcome().equals("would-do")).extracting(TaskItem::target).containsExactly(old.id());
    assertThat(f.engine.manifest(old.id(), ADMIN).dataKeys().get(0).keyId()).isEqualTo(oldKey);

    TaskResult rekey = f.engine.runTask(TaskRequest.of(TaskType.REKEY), ADMIN);
    assertThat(rekey.status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(rekey.items()).filteredOn(i -> i.outcome().equals("done")).extracting(TaskItem::target).containsExactly(old.id());
    BackupManifest rewrapped = f.engine.manifest(old.id(), ADMIN);
    assertThat(rewrapped.dataKeys()).singleElement().satisfies(k -> assertThat(k.keyId()).isEqualTo(newKey));
    String stored = Digests.sha256Hex(f.storage.backing().bytes("backups/" + old.id() + "/manifest.json").orElseThrow());
    assertThat(f.engine.findBackup(old.id(), ADMIN).orElseThrow().manifestSha256()).contains(stored);
    assertThat(artifactBytes(old.id())).containsOnlyKeys(artifactsBefore.keySet())
        .allSatisfy((k, v) -> assertThat(v).isEqualTo(artifactsBefore.get(k)));
    assertThat(f.engine.runTask(TaskRequest.of(TaskType.REKEY), ADMIN).items())
        .allSatisfy(i -> assertThat(i.outcome()).isEqualTo("ok"));

    TestKeys.dropAllButPrimary(kek);
    f.restart(encrypted());
    f.orders.put("customers", "9", "Eve");
    restore(old.id());
    assertThat(f.orders.snapshot()).isEqualTo(original);
  }

  @Test
  void rekeySkipsABackupWithAnOpenPreviewSoItsConfirmStillWorks() throws Exception {
    Map<String, Map<String, String>> original = f.orders.snapshot();
    BackupRecord old = f.engine.backup(BackupRequest.all(), ALICE);
    TestKeys.rotate(kek);
    f.restart(encrypted());
    f.orders.put("customers", "1", "Mallory");
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(old.id()), ALICE);

    TaskResult rekey = f.engine.runTask(TaskRequest.of(TaskType.REKEY), ADMIN);
    assertThat(rekey.status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(rekey.items()).singleElement().satisfies(i -> {
      assertThat(i.outcome()).isEqualTo("skipped");
      assertThat(i.detail()).contains(p.requestId());
    });
    f.engine.approveRestore(p.requestId(), "ok", BOB);
    assertThat(f.engine.confirmRestore(p.token(), ALICE).status()).isEqualTo(RestoreStatus.APPLIED);
    assertThat(f.orders.snapshot()).isEqualTo(original);

    assertThat(f.engine.runTask(TaskRequest.of(TaskType.REKEY), ADMIN).items())
        .singleElement().satisfies(i -> assertThat(i.outcome()).isEqualTo("done"));
  }

  @Test
  void aRekeyInterruptedAfterWritingTheManifestLeavesARestorableBackupAndTheNextRunFinishesIt() throws Exception {
    BackupRecord old = f.engine.backup(BackupRequest.all(), ALICE);
    String before = old.manifestSha256().orElseThrow();
    TestKeys.rotate(kek);
    f.restart(encrypted());
    f.engine.runTask(TaskRequest.of(TaskType.REKEY), ADMIN);
    String after = f.engine.findBackup(old.id(), ADMIN).orElseThrow().manifestSha256().orElseThrow();
    // as if the process died between writing manifest.json and recording its SHA-256
    f.sql(c -> Db.update(c, "UPDATE maintenance_backups SET manifest_sha256 = ?, manifest_sha256_next = ? WHERE id = ?",
        before, after, old.id()));

    restore(old.id());
    TaskResult again = f.engine.runTask(TaskRequest.of(TaskType.REKEY), ADMIN);
    assertThat(again.status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(f.engine.findBackup(old.id(), ADMIN).orElseThrow().manifestSha256()).contains(after);
    assertThat(f.count("maintenance_backups", "manifest_sha256_next IS NOT NULL")).isZero();
  }

  @Test
  void anIncrementalBackupCarriesTheDataKeyOfTheArtifactsItReuses() {
    BackupRecord full = f.engine.backup(BackupRequest.all(), ALICE);
    f.clock.advance(Duration.ofMinutes(5));
    f.orders.put("invoices", "101", "7.00");
    BackupRecord inc = f.engine.backup(BackupRequest.builder().type(BackupType.INCREMENTAL).build(), ALICE);
    BackupManifest m = f.engine.manifest(inc.id(), ADMIN);
    assertThat(m.dataKeys()).extracting(k -> k.id()).containsExactlyInAnyOrder(full.id(), inc.id());
    assertThat(m.datastores().get(0).artifacts()).anySatisfy(a -> {
      assertThat(a.heldBy()).contains(full.id());
      assertThat(a.dataKey()).contains(full.id());
    });
    Map<String, Map<String, String>> expected = f.orders.snapshot();
    f.orders.put("customers", "1", "Mallory");
    restore(inc.id());
    assertThat(f.orders.snapshot()).isEqualTo(expected);
  }

  @Test
  void compressionFollowsThePolicyAndOlderBackupsReadWhateverTheyRecorded() {
    f.restart(x -> x.configure(Map.of("artifacts.compression", "gzip")));
    BackupRecord gz = f.engine.backup(BackupRequest.all(), ALICE);
    f.restart(x -> x.configure(Map.of("artifacts.compression", "none")));
    f.clock.advance(Duration.ofMinutes(1));
    BackupRecord plain = f.engine.backup(BackupRequest.all(), ALICE);
    assertThat(f.engine.manifest(gz.id(), ADMIN).datastores().get(0).artifacts()).extracting(ArtifactInfo::compression)
        .containsOnly(Compression.GZIP);
    assertThat(f.engine.manifest(plain.id(), ADMIN).datastores().get(0).artifacts()).allSatisfy(a -> {
      assertThat(a.compression()).isEqualTo(Compression.NONE);
      assertThat(a.contentSha256()).contains(a.sha256());
    });
    Map<String, Map<String, String>> expected = f.orders.snapshot();
    f.orders.put("customers", "1", "Mallory");
    restore(gz.id());
    assertThat(f.orders.snapshot()).isEqualTo(expected);
  }
}
