package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import java.net.ServerSocket;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Readiness codes, and the matching failures of operations, against both servers. versitygw answers an
 * unknown access key with 404 XAdminUserNotFound (AWS: 403 InvalidAccessKeyId); S3Proxy answers it like AWS,
 * so both spellings are covered by real servers.
 */
class S3ProbeIT {
  private static final Map<String, S3Server> SERVERS = Map.of("versitygw", S3Server.versitygw(), "S3Proxy", S3Server.s3proxy());

  static Stream<String> servers() {
    return Stream.of("versitygw", "S3Proxy");
  }

  @BeforeAll
  static void buckets() {
    SERVERS.values().forEach(s -> s.ensureBucket(S3Server.BUCKET));
  }

  @ParameterizedTest
  @MethodSource("servers")
  void probeReportsUpAndLeavesNoProbeObjectBehind(String name) throws Exception {
    S3Server server = SERVERS.get(name);
    String prefix = "probe-it/" + UUID.randomUUID();
    try (StorageProvider storage = provider(server.config(S3Server.BUCKET, prefix))) {
      ProbeResult r = storage.probe();

      assertThat(r.status()).isEqualTo(ProbeStatus.UP);
      assertThat(r.code()).isEqualTo("OK");
      assertThat(r.component()).isEqualTo("storage:s3");
      assertThat(r.attributes()).containsEntry("bucket", S3Server.BUCKET).containsEntry("keyPrefix", prefix)
          .containsEntry("checksum", server.mode().configValue());
      try (Stream<?> left = storage.list("")) {
        assertThat(left.count()).isZero();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void missingBucketIsReportedAndNothingIsCreated(String name) throws Exception {
    S3Server server = SERVERS.get(name);
    String bucket = "maintenance-missing-" + UUID.randomUUID().toString().substring(0, 8);
    try (StorageProvider storage = provider(server.config(bucket, "x"))) {
      ProbeResult r = storage.probe();
      assertThat(r.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(r.code()).isEqualTo("STORAGE_BUCKET_MISSING");
      assertThat(r.detail()).contains(bucket);

      assertFailsWithReason(() -> put(storage, "a.bin"), "STORAGE_BUCKET_MISSING");
      assertFailsWithReason(() -> storage.stat("a.bin"), "STORAGE_BUCKET_MISSING");
      assertFailsWithReason(() -> storage.openRead(ReadRequest.whole("a.bin")), "STORAGE_BUCKET_MISSING");
      assertFailsWithReason(() -> {
        try (Stream<?> s = storage.list("")) {
          s.forEach(o -> { });
        }
      }, "STORAGE_BUCKET_MISSING");
    }
    try (S3Client c = server.client()) {
      assertThatThrownBy(() -> c.headBucket(b -> b.bucket(bucket)))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(404));
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void wrongSecretIsReportedAsAuthFailedAndWritesNothing(String name) throws Exception {
    S3Server server = SERVERS.get(name);
    String prefix = "probe-it/" + UUID.randomUUID();
    String wrongSecret = "wrong-" + UUID.randomUUID();
    Map<String, String> config = with(server.config(S3Server.BUCKET, prefix), c -> c.put("secret-key", wrongSecret));
    try (StorageProvider storage = provider(config)) {
      ProbeResult r = storage.probe();
      assertThat(r.code()).isEqualTo("STORAGE_AUTH_FAILED");
      assertThat(r.detail()).doesNotContain(wrongSecret).doesNotContain(server.secretKey());

      MaintenanceException e = assertFailsWithReason(() -> put(storage, "a.bin"), "STORAGE_AUTH_FAILED");
      assertThat(e.getMessage()).doesNotContain(wrongSecret);
      assertThat(e.details().values()).noneMatch(v -> v.contains(wrongSecret));
    }
    try (StorageProvider good = provider(server.config(S3Server.BUCKET, prefix)); Stream<?> objects = good.list("")) {
      assertThat(objects.count()).isZero();
    }
    assertThat(server.openUploads(S3Server.BUCKET, prefix + "/")).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void unknownAccessKeyIsReportedAsAuthFailed(String name) throws Exception {
    S3Server server = SERVERS.get(name);
    Map<String, String> config = with(server.config(S3Server.BUCKET, "probe-it"), c -> c.put("access-key", "nobody-" + UUID.randomUUID()));
    try (StorageProvider storage = provider(config)) {
      assertThat(storage.probe().code()).isEqualTo("STORAGE_AUTH_FAILED");
      assertFailsWithReason(() -> put(storage, "a.bin"), "STORAGE_AUTH_FAILED");
    }
  }

  @Test
  void unreachableEndpointIsReportedAsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    Map<String, String> config = with(S3Server.versitygw().config(S3Server.BUCKET, "x"), c -> {
      c.put("endpoint", "http://127.0.0.1:" + port);
      c.put("connect-timeout", "1s");
      c.put("max-attempts", "1");
    });
    try (StorageProvider storage = provider(config)) {
      ProbeResult r = storage.probe();
      assertThat(r.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(r.code()).isEqualTo("STORAGE_UNREACHABLE");

      assertThatThrownBy(() -> storage.stat("a.bin")).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
        assertThat(e.details()).containsEntry("reason", "STORAGE_UNREACHABLE");
      });
    }
  }

  /** S3Proxy 2.7 answers x-amz-checksum-* headers with 501 NotImplemented: the probe says what to change. */
  @Test
  void serverThatRejectsChecksumHeadersIsReportedUnwritableWithTheFix() throws Exception {
    S3Server proxy = S3Server.s3proxy();
    String prefix = "probe-it/" + UUID.randomUUID();
    Map<String, String> config = with(proxy.config(S3Server.BUCKET, prefix), c -> c.put("checksum", "crc32c"));
    try (StorageProvider storage = provider(config)) {
      ProbeResult r = storage.probe();
      assertThat(r.code()).isEqualTo("STORAGE_UNWRITABLE");
      assertThat(r.detail()).contains("checksum=md5").contains("501");

      MaintenanceException e = assertFails(() -> put(storage, "a.bin"));
      assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_FAILURE);
      assertThat(e.details()).containsEntry("status", "501");
      assertThat(storage.stat("a.bin")).isEmpty();
    }
  }

  private static StorageProvider provider(Map<String, String> config) {
    return new S3StorageProviderFactory().create(PluginConfig.of("storage s3", config));
  }

  private static Map<String, String> with(Map<String, String> config, Consumer<Map<String, String>> change) {
    Map<String, String> copy = config.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    change.accept(copy);
    return copy;
  }

  private static void put(StorageProvider storage, String key) throws Exception {
    try (Upload u = storage.startUpload(key, UploadOptions.of("application/octet-stream"))) {
      u.write(new byte[] {1, 2, 3}, 0, 3);
      u.complete();
    }
  }

  private static MaintenanceException assertFailsWithReason(ThrowingRunnable action, String reason) {
    MaintenanceException e = assertFails(action);
    assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
    assertThat(e.details()).containsEntry("reason", reason);
    return e;
  }

  private static MaintenanceException assertFails(ThrowingRunnable action) {
    try {
      action.run();
    } catch (MaintenanceException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a MaintenanceException, got " + e, e);
    }
    throw new AssertionError("expected a MaintenanceException, nothing was thrown");
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
