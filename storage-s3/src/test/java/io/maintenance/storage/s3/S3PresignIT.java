package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.tck.TestData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;

/** Presigned GET URLs, fetched without credentials from both servers, which both verify the signature. */
class S3PresignIT {
  private static final Map<String, S3Server> SERVERS = Map.of("versitygw", S3Server.versitygw(), "S3Proxy", S3Server.s3proxy());
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Stream<String> servers() {
    return Stream.of("versitygw", "S3Proxy");
  }

  @BeforeAll
  static void buckets() {
    SERVERS.values().forEach(s -> s.ensureBucket(S3Server.BUCKET));
  }

  @ParameterizedTest
  @MethodSource("servers")
  void presignedUrlServesTheObjectWithoutCredentialsAndOnlyWithItsSignature(String name) throws Exception {
    S3Server server = SERVERS.get(name);
    byte[] data = TestData.bytes(1, 70_000);
    try (StorageProvider storage = provider(server)) {
      try (Upload u = storage.startUpload("shared/snapshot.bin", UploadOptions.of("application/octet-stream"))) {
        u.write(data, 0, data.length);
        u.complete();
      }

      URI url = storage.presignGet("shared/snapshot.bin", Duration.ofMinutes(5)).orElseThrow();

      HttpResponse<byte[]> ok = HTTP.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo(data);
      assertThat(url.getQuery()).contains("X-Amz-Expires=300").doesNotContain(server.secretKey());

      URI tampered = URI.create(url.toString().replaceAll("X-Amz-Signature=[0-9a-f]", "X-Amz-Signature=x"));
      HttpResponse<byte[]> refused = HTTP.send(HttpRequest.newBuilder(tampered).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(refused.statusCode()).isEqualTo(403);
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void presignedUrlFromAHostClientUsesItsEndpointAndCredentials(String name) throws Exception {
    S3Server server = SERVERS.get(name);
    byte[] data = TestData.bytes(2, 1000);
    try (S3Client host = server.client();
        StorageProvider storage = server.provider(host, S3Server.BUCKET, "presign-it/" + UUID.randomUUID()).build()) {
      try (Upload u = storage.startUpload("a.bin", UploadOptions.of("application/octet-stream"))) {
        u.write(data, 0, data.length);
        u.complete();
      }
      URI url = storage.presignGet("a.bin", Duration.ofMinutes(1)).orElseThrow();

      assertThat(url.getPort()).isEqualTo(server.endpoint().getPort());
      HttpResponse<byte[]> ok = HTTP.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo(data);
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void presignRejectsLifetimesSigV4CannotSignAndUnsafeKeys(String name) throws Exception {
    try (StorageProvider storage = provider(SERVERS.get(name))) {
      for (Duration ttl : new Duration[] {Duration.ZERO, Duration.ofMillis(500), Duration.ofDays(8), Duration.ofSeconds(-1)}) {
        assertThatThrownBy(() -> storage.presignGet("a.bin", ttl))
            .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
      }
      assertThatThrownBy(() -> storage.presignGet("../a.bin", Duration.ofMinutes(1)))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }
  }

  private static StorageProvider provider(S3Server server) {
    return new S3StorageProviderFactory().create(PluginConfig.of("storage s3", server.config(S3Server.BUCKET, "presign-it/" + UUID.randomUUID())));
  }
}
