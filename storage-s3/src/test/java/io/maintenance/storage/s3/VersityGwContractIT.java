package io.maintenance.storage.s3;

import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.tck.StorageProviderContract;
import org.junit.jupiter.api.BeforeAll;

/**
 * The storage contract against versitygw, with CRC32C part checksums, through the {@code s3} factory as a
 * host configures it. Run with -Xmx256m (failsafe's argLine), so the large-object case proves that memory is
 * bounded by parts, not by the object.
 */
class VersityGwContractIT extends StorageProviderContract {
  private static final S3Server SERVER = S3Server.versitygw();

  @BeforeAll
  static void bucket() {
    SERVER.ensureBucket(S3Server.BUCKET);
  }

  @Override
  protected StorageProvider createProvider() {
    return new S3StorageProviderFactory().create(PluginConfig.of("storage s3", SERVER.config(S3Server.BUCKET, "contract")));
  }
}
