package io.maintenance.storage.gcs;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;

/**
 * The emulators scripts/services/gcs.sh starts. A missing variable fails the test: integration
 * tests never skip.
 */
final class GcsEmulators {
  static final String PROJECT = "maintenance-it";
  /** Small enough to exercise many chunks, large enough that the emulators' per-chunk costs stay low. */
  static final int CHUNK = 8 * 1024 * 1024;

  private GcsEmulators() {}

  /** fake-gcs-server: the primary emulator. */
  static String endpoint() {
    return env("MAINTENANCE_IT_GCS_ENDPOINT");
  }

  /** gcp-storage-emulator: the second server, faithful where fake-gcs-server is not (resumable sessions). */
  static String altEndpoint() {
    return env("MAINTENANCE_IT_GCS_ALT_ENDPOINT");
  }

  static String bucket() {
    return env("MAINTENANCE_IT_GCS_BUCKET");
  }

  static Storage storage(String endpoint) {
    return StorageOptions.http()
        .setHost(endpoint)
        .setProjectId(PROJECT)
        .setCredentials(NoCredentials.getInstance())
        .build()
        .getService();
  }

  static GcsStorageProvider provider(String endpoint, String prefix) {
    return GcsStorageProvider.builder()
        .storage(storage(endpoint))
        .closeStorage(true)
        .bucket(bucket())
        .keyPrefix(prefix)
        .chunkSize(CHUNK)
        .retryDelay(java.time.Duration.ofMillis(50))
        .build();
  }

  static void ensureBucket(Storage storage, String name) {
    if (storage.get(name) == null) {
      storage.create(BucketInfo.of(name));
    }
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      fail(name + " is not set: run the GCS integration tests through scripts/test.sh, e.g. "
          + "SERVICES=\"gcs\" scripts/test.sh -pl storage-gcs -am (it starts the emulators)");
    }
    return v;
  }
}
