package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.tck.TcpProxy;
import io.maintenance.tck.TestData;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real S3 server (versitygw) behind a proxy that stops answering: every call ends within request-timeout. */
class S3DeadlineIT {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private final S3Server server = S3Server.versitygw();
  private final TcpProxy proxy = TcpProxy.to(server.endpoint().getHost(), server.endpoint().getPort());
  private final StorageProvider storage;
  private final String prefix = "deadline-" + UUID.randomUUID();

  S3DeadlineIT() {
    server.ensureBucket(S3Server.BUCKET);
    Map<String, String> config = new java.util.LinkedHashMap<>(server.config(S3Server.BUCKET, prefix));
    config.put("endpoint", "http://127.0.0.1:" + proxy.port());
    config.put("request-timeout", REQUEST_TIMEOUT.toMillis() + "ms");
    storage = new S3StorageProviderFactory().create(PluginConfig.of("storage s3", config));
  }

  @AfterEach
  void close() throws Exception {
    proxy.close();
    storage.close();
  }

  private static void assertUnavailableWithin(Duration bound, ThrowingCall call) {
    long t0 = System.nanoTime();
    assertThatThrownBy(call::run).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
      assertThat(e.details()).containsEntry("reason", "STORAGE_UNREACHABLE");
    });
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(bound);
  }

  @FunctionalInterface
  interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void aHungEndpointFailsUploadsAndStatsWithinTheRequestTimeout() throws Exception {
    byte[] data = TestData.bytes(7, 6 * 1024 * 1024);
    try (Upload u = storage.startUpload("a/ok.bin", UploadOptions.of("application/octet-stream"))) {
      u.write(data, 0, data.length);
      u.complete();
    }
    assertThat(storage.stat("a/ok.bin")).isPresent();

    proxy.hold(true);
    Duration bound = REQUEST_TIMEOUT.multipliedBy(3);
    assertUnavailableWithin(bound, () -> storage.stat("a/ok.bin"));
    assertUnavailableWithin(bound, () -> {
      try (Upload u = storage.startUpload("a/hung.bin", UploadOptions.of("application/octet-stream"))) {
        u.write(data, 0, data.length);
        u.complete();
      }
    });
  }
}
