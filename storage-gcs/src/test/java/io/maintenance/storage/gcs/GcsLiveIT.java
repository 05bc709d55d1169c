package io.maintenance.storage.gcs;

import static org.junit.jupiter.api.Assertions.fail;

import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.tck.StorageProviderContract;
import java.util.HashMap;
import java.util.Map;

/**
 * The storage contract against real Google Cloud Storage; runs only with {@code -Plive}:
 *
 * <pre>
 * MAINTENANCE_IT_GCS_LIVE_BUCKET=my-bucket \
 * [MAINTENANCE_IT_GCS_LIVE_CREDENTIALS=/path/key.json] [MAINTENANCE_IT_GCS_LIVE_PROJECT=my-project] \
 *   mvn -B -Plive -pl storage-gcs -am verify
 * </pre>
 *
 * Without a credentials file it uses Application Default Credentials. Objects go under
 * {@code maintenance-it/} and are deleted after each test. Unlike the emulators, GCS verifies the
 * x-goog-hash CRC32C and resumes sessions exactly as documented.
 */
class GcsLiveIT extends StorageProviderContract {

  @Override
  protected StorageProvider createProvider() {
    String bucket = System.getenv("MAINTENANCE_IT_GCS_LIVE_BUCKET");
    if (bucket == null || bucket.isBlank()) {
      fail("MAINTENANCE_IT_GCS_LIVE_BUCKET is not set: the -Plive profile runs against a real bucket");
    }
    Map<String, String> config = new HashMap<>();
    config.put("bucket", bucket);
    config.put("key-prefix", "maintenance-it");
    config.put("chunk-size", "8MiB");
    config.put("credentials", System.getenv().getOrDefault("MAINTENANCE_IT_GCS_LIVE_CREDENTIALS", "default"));
    String project = System.getenv("MAINTENANCE_IT_GCS_LIVE_PROJECT");
    if (project != null && !project.isBlank()) {
      config.put("project", project);
    }
    return new GcsStorageProviderFactory().create(PluginConfig.of("storage gcs", config));
  }
}
