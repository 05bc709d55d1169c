package io.maintenance.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.StorageOptions;
import com.sun.net.httpserver.HttpServer;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.tck.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every "bad input" of the issue against the real emulators, each asserting the code and that nothing changed. */
class GcsBadInputIT {
  private String prefix;
  private GcsStorageProvider storage;

  @BeforeEach
  void open() {
    prefix = "bad-" + UUID.randomUUID();
    storage = GcsEmulators.provider(GcsEmulators.endpoint(), prefix);
  }

  @AfterEach
  void close() throws IOException {
    for (ObjectInfo o : keys(storage)) {
      storage.delete(o.key());
    }
    storage.close();
  }

  @Test
  void unsafeKeysAreRejectedByEveryOperationAndNothingIsWritten() throws Exception {
    put(storage, "existing.bin", new byte[] {1, 2, 3});
    UploadState template = checkpointedState(storage, "template.bin");
    List<String> bad = List.of("../escape", "a/../b", "/absolute", "a//b", "a/\u0000b", "tab\tname", "back\\slash", "a/.", "", "x/");
    for (String k : bad) {
      UploadState forged = new UploadState(template.sessionId(), "gcs", k, template.chunkSize(), template.chunkCrc32c(),
          template.attributes());
      List<ThrowingCall> calls = List.of(
          () -> storage.startUpload(k, UploadOptions.of("application/octet-stream")),
          () -> storage.openRead(ReadRequest.whole(k)),
          () -> storage.stat(k),
          () -> storage.delete(k),
          () -> storage.presignGet(k, Duration.ofMinutes(5)),
          () -> storage.resumeUpload(forged, UploadOptions.of("application/octet-stream")),
          () -> storage.abortUpload(forged),
          () -> storage.list(k + "/"));
      for (ThrowingCall call : calls) {
        assertThatThrownBy(call::run).as("key %s", k.replaceAll("\\p{Cntrl}", "?"))
            .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
      }
    }
    assertThat(keys(storage)).extracting(ObjectInfo::key).containsExactly("existing.bin");
  }

  @Test
  void resumedUploadWhoseSourceDiffersFailsWithIntegrityMismatchAndKeepsThePreviousObject() throws Exception {
    // gcp-storage-emulator: the emulator whose sessions can be resumed (see GcsFakeServerContractIT).
    try (GcsStorageProvider alt = GcsEmulators.provider(GcsEmulators.altEndpoint(), prefix)) {
      byte[] old = TestData.bytes(20, 5000);
      put(alt, "doc.bin", old);
      AtomicReference<UploadState> checkpoint = new AtomicReference<>();
      Upload first = alt.startUpload("doc.bin", new UploadOptions("application/octet-stream", checkpoint::set));
      long chunk = first.state().chunkSize();
      write(first, TestData.stream(21, chunk + 100));

      try (GcsStorageProvider second = GcsEmulators.provider(GcsEmulators.altEndpoint(), prefix)) {
        Upload resumed = second.resumeUpload(checkpoint.get(), UploadOptions.of("application/octet-stream"));
        assertThatThrownBy(() -> write(resumed, TestData.stream(22, chunk * 2)))
            .isInstanceOfSatisfying(MaintenanceException.class, e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
              assertThat(e.getMessage()).contains("chunk 0");
            });
        resumed.close();
      }
      try (InputStream in = alt.openRead(ReadRequest.whole("doc.bin"))) {
        assertThat(in.readAllBytes()).isEqualTo(old);
      }
      alt.delete("doc.bin");
    }
  }

  @Test
  void chunkCorruptedOnTheWayToAServerThatIgnoresTheChecksumIsDetectedAndRemoved() throws Exception {
    // fake-gcs-server does not verify x-goog-hash; the provider compares the CRC32C the server reports.
    CorruptingTransport transport = new CorruptingTransport();
    try (GcsStorageProvider corrupting = GcsStorageProvider.builder()
        .storage(StorageOptions.http().setHost(GcsEmulators.endpoint()).setProjectId(GcsEmulators.PROJECT)
            .setCredentials(NoCredentials.getInstance())
            .setTransportOptions(HttpTransportOptions.newBuilder().setHttpTransportFactory(() -> transport).build())
            .build().getService())
        .bucket(GcsEmulators.bucket()).keyPrefix(prefix).chunkSize(GcsEmulators.CHUNK).build()) {
      transport.corruptPuts.set(1);
      Upload upload = corrupting.startUpload("corrupt.bin", UploadOptions.of("application/octet-stream"));
      byte[] data = TestData.bytes(23, GcsEmulators.CHUNK + 1000);
      upload.write(data, 0, data.length);
      assertThatThrownBy(upload::complete).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
        assertThat(e.getMessage()).contains("CRC32C");
      });
      upload.close();
    }
    assertThat(storage.stat("corrupt.bin")).isEmpty();
  }

  @Test
  void wrongCredentialsGiveStorageAuthFailedAndWriteNothing(@TempDir Path dir) throws Exception {
    // A service-account key the token endpoint refuses, as Google's does for a deleted or revoked key.
    HttpServer tokenEndpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    tokenEndpoint.createContext("/token", x -> {
      byte[] body = "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}".getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
      x.sendResponseHeaders(400, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    tokenEndpoint.start();
    try {
      Path key = serviceAccountKey(dir, "http://127.0.0.1:" + tokenEndpoint.getAddress().getPort() + "/token");
      try (StorageProvider denied = new GcsStorageProviderFactory().create(PluginConfig.of("storage gcs", Map.of(
          "bucket", GcsEmulators.bucket(), "key-prefix", prefix, "endpoint", GcsEmulators.endpoint(),
          "credentials", key.toString(), "max-attempts", "2", "retry-delay", "10ms")))) {
        ProbeResult probe = denied.probe();
        assertThat(probe.status()).isEqualTo(ProbeStatus.DOWN);
        assertThat(probe.code()).as(probe.detail()).isEqualTo("STORAGE_AUTH_FAILED");
        assertThat(probe.detail()).doesNotContain("PRIVATE KEY");

        assertThatThrownBy(() -> denied.startUpload("denied.bin", UploadOptions.of("application/octet-stream")))
            .isInstanceOfSatisfying(MaintenanceException.class, e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
              assertThat(e.details()).containsEntry("reason", "STORAGE_AUTH_FAILED");
            });
      }
    } finally {
      tokenEndpoint.stop(0);
    }
    assertThat(keys(storage)).isEmpty();
  }

  @Test
  void missingBucketGivesStorageBucketMissing() throws Exception {
    try (GcsStorageProvider missing = GcsStorageProvider.builder().storage(GcsEmulators.storage(GcsEmulators.endpoint()))
        .bucket("no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8)).build()) {
      ProbeResult probe = missing.probe();
      assertThat(probe.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(probe.code()).isEqualTo("STORAGE_BUCKET_MISSING");
      for (ThrowingCall call : List.<ThrowingCall>of(
          () -> missing.startUpload("x.bin", UploadOptions.of("application/octet-stream")),
          () -> missing.list(""))) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.details()).containsEntry("reason", "STORAGE_BUCKET_MISSING");
        });
      }
    }
  }

  @Test
  void unreachableEndpointGivesStorageUnreachable() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    try (StorageProvider nowhere = new GcsStorageProviderFactory().create(PluginConfig.of("storage gcs", Map.of(
        "bucket", GcsEmulators.bucket(), "endpoint", "http://127.0.0.1:" + closedPort, "credentials", "none",
        "project", GcsEmulators.PROJECT, "max-attempts", "1")))) {
      ProbeResult probe = nowhere.probe();
      assertThat(probe.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(probe.code()).isEqualTo("STORAGE_UNREACHABLE");
      assertThatThrownBy(() -> nowhere.startUpload("x.bin", UploadOptions.of("application/octet-stream")))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
            assertThat(e.details()).containsEntry("reason", "STORAGE_UNREACHABLE");
          });
    }
  }

  @Test
  void presignedUrlServesTheObjectWithoutCredentials() throws Exception {
    byte[] data = TestData.bytes(24, 70_000);
    put(storage, "shared.bin", data);
    // Anonymous credentials cannot sign.
    assertThat(storage.presignGet("shared.bin", Duration.ofMinutes(5))).isEmpty();

    ServiceAccountCredentials signer = ServiceAccountCredentials.newBuilder()
        .setClientEmail("signer@maintenance-it.iam.gserviceaccount.com")
        .setPrivateKey(KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate())
        .setProjectId(GcsEmulators.PROJECT)
        .build();
    try (GcsStorageProvider signing = GcsStorageProvider.builder().storage(GcsEmulators.storage(GcsEmulators.endpoint()))
        .closeStorage(true).bucket(GcsEmulators.bucket()).keyPrefix(prefix).signer(signer).build()) {
      URI url = signing.presignGet("shared.bin", Duration.ofMinutes(5)).orElseThrow();
      assertThat(url.getQuery()).contains("X-Goog-Signature=").contains("X-Goog-Expires=300");
      // fake-gcs-server serves signed URLs without checking the signature; what this proves is that
      // the URL names the right object on the configured endpoint and needs no credentials.
      HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(data);
      assertThatThrownBy(() -> signing.presignGet("shared.bin", Duration.ofDays(8)))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }
  }

  // ---------------------------------------------------------------------------------------------

  @FunctionalInterface
  interface ThrowingCall {
    void run() throws Exception;
  }

  private static List<ObjectInfo> keys(StorageProvider p) throws IOException {
    try (Stream<ObjectInfo> s = p.list("")) {
      return s.collect(Collectors.toList());
    }
  }

  private static void put(StorageProvider p, String key, byte[] data) throws IOException {
    try (Upload u = p.startUpload(key, UploadOptions.of("application/octet-stream"))) {
      u.write(data, 0, data.length);
      u.complete();
    }
  }

  private static UploadState checkpointedState(StorageProvider p, String key) throws IOException {
    AtomicReference<UploadState> state = new AtomicReference<>();
    Upload u = p.startUpload(key, new UploadOptions("application/octet-stream", state::set));
    u.abort();
    return state.get();
  }

  private static void write(Upload u, InputStream src) throws IOException {
    byte[] buf = new byte[256 * 1024];
    int n;
    try (src) {
      while ((n = src.read(buf)) >= 0) {
        u.write(buf, 0, n);
      }
    }
  }

  private static Path serviceAccountKey(Path dir, String tokenUri) throws Exception {
    byte[] pkcs8 = KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate().getEncoded();
    String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8)
        + "\n-----END PRIVATE KEY-----\n";
    String json = "{\"type\":\"service_account\",\"project_id\":\"" + GcsEmulators.PROJECT + "\","
        + "\"private_key_id\":\"revoked\",\"private_key\":\"" + pem.replace("\n", "\\n") + "\","
        + "\"client_email\":\"revoked@maintenance-it.iam.gserviceaccount.com\",\"client_id\":\"1\","
        + "\"token_uri\":\"" + tokenUri + "\"}";
    Path file = dir.resolve("revoked-key.json");
    Files.writeString(file, json);
    return file;
  }
}
