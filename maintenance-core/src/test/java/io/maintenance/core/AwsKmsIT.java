package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static io.maintenance.core.testing.EngineFixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.testing.EngineFixture;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * Envelope keys wrapped by AWS KMS, against an AWS KMS-compatible server (moto's server mode, started by
 * scripts/services/kms.sh as {@code MAINTENANCE_IT_KMS_ENDPOINT}).
 */
class AwsKmsIT {
  private static String endpoint;
  private static KmsClient kms;
  private EngineFixture f;

  @BeforeAll
  static void connect() {
    endpoint = System.getenv("MAINTENANCE_IT_KMS_ENDPOINT");
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalStateException("MAINTENANCE_IT_KMS_ENDPOINT is not set: start the KMS server with scripts/test.sh "
          + "(SERVICES=kms) or scripts/services/kms.sh");
    }
    kms = KmsClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
  }

  @AfterAll
  static void disconnect() {
    kms.close();
  }

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  private static String newKey() {
    return "aws-kms://" + kms.createKey(r -> r.description("maintenance IT")).keyMetadata().arn();
  }

  private static Consumer<MaintenanceEngine.Builder> wrappedBy(String key, String previous, String at) {
    Map<String, String> s = new HashMap<>(Map.of("artifacts.encryption", "aws-kms", "artifacts.encryption.kms-key", key,
        "artifacts.encryption.aws.endpoint", at, "artifacts.encryption.aws.access-key", "test",
        "artifacts.encryption.aws.secret-key", "test"));
    if (!previous.isEmpty()) {
      s.put("artifacts.encryption.previous-keys", previous);
    }
    return b -> b.configure(s);
  }

  private void restore(String backupId) {
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backupId), ALICE);
    f.engine.approveRestore(p.requestId(), "ok", BOB);
    assertThat(f.engine.confirmRestore(p.token(), ALICE).status()).isEqualTo(RestoreStatus.APPLIED);
  }

  @Test
  void dataKeysWrappedByKmsRestoreAcrossRotationRekeyAndRetirement() {
    String first = newKey();
    String second = newKey();
    f = new EngineFixture(wrappedBy(first, "", endpoint));
    Map<String, Map<String, String>> original = f.orders.snapshot();
    BackupRecord old = f.engine.backup(BackupRequest.all(), ALICE);
    assertThat(f.engine.manifest(old.id(), ADMIN).dataKeys()).singleElement()
        .satisfies(k -> assertThat(k.keyId()).isEqualTo(first));
    assertThat(f.storedKeys()).filteredOn(k -> !k.endsWith("manifest.json")).isNotEmpty().allSatisfy(k ->
        assertThat(new String(f.storage.backing().bytes(k).orElseThrow(), StandardCharsets.ISO_8859_1)).doesNotContain("Ada"));

    // a new key for new backups; the old one still unwraps older backups
    f.restart(wrappedBy(second, first, endpoint));
    f.clock.advance(Duration.ofMinutes(5));
    BackupRecord fresh = f.engine.backup(BackupRequest.all(), ALICE);
    assertThat(f.engine.manifest(fresh.id(), ADMIN).dataKeys().get(0).keyId()).isEqualTo(second);
    f.orders.put("customers", "1", "Mallory");
    restore(old.id());
    assertThat(f.orders.snapshot()).isEqualTo(original);

    TaskResult rekey = f.engine.runTask(TaskRequest.of(TaskType.REKEY), ADMIN);
    assertThat(rekey.status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(f.engine.manifest(old.id(), ADMIN).dataKeys().get(0).keyId()).isEqualTo(second);

    // the first key is retired: no longer configured
    f.restart(wrappedBy(second, "", endpoint));
    f.orders.put("customers", "1", "Mallory");
    restore(old.id());
    assertThat(f.orders.snapshot()).isEqualTo(original);
  }

  @Test
  void aKeyTheEngineCannotUseFailsThePreviewNamingItAndAppliesNothing() {
    String key = newKey();
    f = new EngineFixture(wrappedBy(key, "", endpoint));
    BackupRecord b = f.engine.backup(BackupRequest.all(), ALICE);
    f.orders.put("customers", "1", "Mallory");
    Map<String, Map<String, String>> changed = f.orders.snapshot();

    // retired from the configuration (another key wraps new backups, this one is not among the previous keys)
    f.restart(wrappedBy(newKey(), "", endpoint));
    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
          assertThat(e.details()).containsEntry("keyId", key);
          assertThat(e.getMessage()).contains(key);
        });

    // configured, but the KMS refuses it (here: asked in a region where the key does not exist)
    f.restart(x -> x.configure(Map.of("artifacts.encryption", "aws-kms", "artifacts.encryption.kms-key", key,
        "artifacts.encryption.aws.endpoint", endpoint, "artifacts.encryption.aws.access-key", "test",
        "artifacts.encryption.aws.secret-key", "test", "artifacts.encryption.aws.region", "eu-west-1")));
    assertThatThrownBy(() -> f.engine.previewRestore(RestoreRequest.of(b.id()), ALICE))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
          assertThat(e.details()).containsEntry("keyId", key);
        });
    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), ALICE))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE));
    assertThat(f.orders.restoreCount()).isZero();
    assertThat(f.orders.snapshot()).isEqualTo(changed);
  }

  @Test
  void anUnreachableKmsFailsTheBackupBeforeAnyDataIsWritten() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    f = new EngineFixture(wrappedBy(newKey(), "", "http://127.0.0.1:" + port));
    assertThatThrownBy(() -> f.engine.backup(BackupRequest.all(), ALICE))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    assertThat(f.engine.listBackups(io.maintenance.api.BackupQuery.firstPage(10), ADMIN).items())
        .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(BackupStatus.FAILED));
    assertThat(f.storedKeys()).isEmpty();
  }
}
