package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.tck.StorageProviderContract;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The storage contract against real AWS S3, run only with {@code -Plive}: {@code MAINTENANCE_LIVE_S3_BUCKET}
 * names an existing bucket the credentials of the SDK's default chain may write to; optional
 * {@code MAINTENANCE_LIVE_S3_PREFIX} (default {@code maintenance-live-it}) and {@code AWS_REGION}.
 * Objects are written under the prefix and deleted by each test.
 */
class S3LiveIT extends StorageProviderContract {

  @Override
  protected StorageProvider createProvider() {
    String bucket = System.getenv("MAINTENANCE_LIVE_S3_BUCKET");
    if (bucket == null || bucket.isBlank()) {
      fail("MAINTENANCE_LIVE_S3_BUCKET is not set: -Plive runs against real AWS S3 and needs a bucket and credentials"
          + " (see docs/storage-s3.md)");
    }
    Map<String, String> config = new LinkedHashMap<>();
    config.put("bucket", bucket);
    config.put("key-prefix", System.getenv().getOrDefault("MAINTENANCE_LIVE_S3_PREFIX", "maintenance-live-it"));
    config.put("part-size", "5MiB");
    String region = System.getenv("AWS_REGION");
    if (region != null && !region.isBlank()) {
      config.put("region", region);
    }
    return new S3StorageProviderFactory().create(PluginConfig.of("storage s3 (live)", config));
  }

  @Test
  void probeWritesAndDeletesUnderThePrefix() {
    assertThat(storage.probe().status()).isEqualTo(ProbeStatus.UP);
  }
}
