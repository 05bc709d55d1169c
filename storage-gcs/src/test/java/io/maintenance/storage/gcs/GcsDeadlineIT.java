package io.maintenance.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.tck.TcpProxy;
import io.maintenance.tck.TestData;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** fake-gcs-server behind a proxy that stops answering: uploads and downloads end within request-timeout. */
class GcsDeadlineIT {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private final URI endpoint = URI.create(GcsEmulators.endpoint());
  private final TcpProxy proxy = TcpProxy.to(endpoint.getHost(), endpoint.getPort());
  private final GcsStorageProvider storage;

  GcsDeadlineIT() {
    GcsEmulators.ensureBucket(GcsEmulators.storage(GcsEmulators.endpoint()), GcsEmulators.bucket());
    storage = GcsStorageProvider.builder()
        .storage(GcsEmulators.storage("http://127.0.0.1:" + proxy.port()))
        .closeStorage(true)
        .bucket(GcsEmulators.bucket())
        .keyPrefix("deadline-" + UUID.randomUUID())
        .chunkSize(256 * 1024)
        .retryDelay(Duration.ofMillis(50))
        .requestTimeout(REQUEST_TIMEOUT)
        .build();
  }

  @AfterEach
  void close() throws Exception {
    proxy.close();
    storage.close();
  }

  private static void assertUnavailableWithin(Duration bound, S3LikeCall call) {
    long t0 = System.nanoTime();
    assertThatThrownBy(call::run).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(bound);
  }

  @FunctionalInterface
  interface S3LikeCall {
    void run() throws Exception;
  }

  @Test
  void aHungServerFailsUploadsAndDownloadsWithinTheRequestTimeout() throws Exception {
    byte[] data = TestData.bytes(3, 1024 * 1024);
    try (Upload u = storage.startUpload("a/ok.bin", UploadOptions.of("application/octet-stream"))) {
      u.write(data, 0, data.length);
      u.complete();
    }

    proxy.hold(true);
    Duration bound = REQUEST_TIMEOUT.multipliedBy(3);
    assertUnavailableWithin(bound, () -> {
      try (InputStream in = storage.openRead(ReadRequest.whole("a/ok.bin"))) {
        in.readAllBytes();
      }
    });
    assertUnavailableWithin(bound, () -> {
      try (Upload u = storage.startUpload("a/hung.bin", UploadOptions.of("application/octet-stream"))) {
        u.write(data, 0, data.length);
        u.complete();
      }
    });
  }
}
