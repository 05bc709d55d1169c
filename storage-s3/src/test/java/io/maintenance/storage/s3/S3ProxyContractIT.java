package io.maintenance.storage.s3;

import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.tck.StorageProviderContract;
import org.junit.jupiter.api.BeforeAll;

/**
 * The storage contract against S3Proxy, a second, independent server. S3Proxy 2.7 answers any
 * {@code x-amz-checksum-*} header with 501 NotImplemented, which is what the {@code checksum=md5} switch is
 * for: parts carry Content-MD5, which it verifies.
 */
class S3ProxyContractIT extends StorageProviderContract {
  private static final S3Server SERVER = S3Server.s3proxy();

  @BeforeAll
  static void bucket() {
    SERVER.ensureBucket(S3Server.BUCKET);
  }

  @Override
  protected StorageProvider createProvider() {
    return new S3StorageProviderFactory().create(PluginConfig.of("storage s3", SERVER.config(S3Server.BUCKET, "contract")));
  }
}
