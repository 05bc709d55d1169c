package io.maintenance.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.StorageOptions;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import org.junit.jupiter.api.Test;

/**
 * The customer-managed key and storage class travel with every resumable session, as the JSON API
 * documents them ({@code kmsKeyName} query parameter and object metadata, {@code storageClass} metadata).
 * The emulators drop {@code kmsKeyName}, so the request is checked on the in-JVM server; the storage
 * class is also checked against fake-gcs-server in {@link GcsWriteOptionsIT}.
 */
class GcsWriteOptionsTest {
  private static final String KEY = "projects/p1/locations/europe-west1/keyRings/backups/cryptoKeys/cmek";

  @Test
  void everySessionCarriesTheKmsKeyAndTheStorageClass() throws Exception {
    try (FakeJsonApiServer server = new FakeJsonApiServer("opts-bucket");
        GcsStorageProvider storage = GcsStorageProvider.builder()
            .storage(StorageOptions.http().setHost(server.endpoint()).setProjectId("p").setCredentials(NoCredentials.getInstance())
                .build().getService())
            .closeStorage(true).bucket("opts-bucket").kmsKeyName(KEY).storageClass("nearline").build()) {
      try (Upload u = storage.startUpload("a/x.bin", UploadOptions.of("application/octet-stream"))) {
        u.write(new byte[] {1, 2, 3}, 0, 3);
        u.complete();
      }
      assertThat(server.sessionRequests).singleElement().satisfies(r -> {
        assertThat(r).contains("&kmsKeyName=" + KEY + " ");
        assertThat(r).contains("\"kmsKeyName\":\"" + KEY + "\"").contains("\"storageClass\":\"NEARLINE\"");
      });
    }
  }

  @Test
  void malformedOptionsAreRefusedByBuildNamingTheSetting() {
    var storage = StorageOptions.http().setHost("http://127.0.0.1:1").setProjectId("p").setCredentials(NoCredentials.getInstance())
        .build().getService();
    assertThatThrownBy(() -> GcsStorageProvider.builder().storage(storage).bucket("opts-bucket").kmsKeyName("my-key").build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.details()).containsEntry("key", "kms-key-name");
        });
    assertThatThrownBy(() -> GcsStorageProvider.builder().storage(storage).bucket("opts-bucket").storageClass("GLACIER").build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.details()).containsEntry("key", "storage-class");
        });
    assertThatThrownBy(() -> GcsStorageProvider.builder().bucket("opts-bucket").build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.details()).containsEntry("key", "storage"));
  }
}
