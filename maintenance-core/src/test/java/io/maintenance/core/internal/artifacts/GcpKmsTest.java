package io.maintenance.core.internal.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.StorageArtifactSource;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.tck.InMemoryStorage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cloud KMS through Tink's integration (tink-gcpkms, its JSON-API client), against an in-JVM server of
 * the documented REST methods {@code cryptoKeys.encrypt} and {@code cryptoKeys.decrypt} (no Cloud KMS
 * emulator exists): AES-GCM under per-key material, the additional authenticated data checked, 404 for
 * unknown keys, as the service answers.
 */
class GcpKmsTest {
  private static final String KEY = "projects/p1/locations/global/keyRings/backups/cryptoKeys/kek";
  private static final ObjectMapper JSON = new ObjectMapper();

  private HttpServer server;
  private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
  private final AtomicInteger calls = new AtomicInteger();
  private final InMemoryStorage storage = new InMemoryStorage();

  @BeforeEach
  void start() throws IOException {
    byte[] material = new byte[32];
    new SecureRandom().nextBytes(material);
    keys.put(KEY, material);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** JSON "bytes" fields: the service accepts base64 in either alphabet (this client sends the URL-safe one). */
  private static byte[] bytes(JsonNode node) {
    return Base64.getUrlDecoder().decode(node.asText().replace('+', '-').replace('/', '_'));
  }

  private void handle(HttpExchange ex) throws IOException {
    calls.incrementAndGet();
    String path = ex.getRequestURI().getPath().substring("/v1/".length());
    int colon = path.lastIndexOf(':');
    String name = path.substring(0, colon);
    String method = path.substring(colon + 1);
    InputStream in = "gzip".equals(ex.getRequestHeaders().getFirst("Content-Encoding"))
        ? new java.util.zip.GZIPInputStream(ex.getRequestBody()) : ex.getRequestBody(); // the client gzips request bodies
    JsonNode body = JSON.readTree(in);
    byte[] material = keys.get(name);
    if (material == null || !ex.getRequestMethod().equals("POST")) {
      reply(ex, 404, error(404, "NOT_FOUND", name + " not found."));
      return;
    }
    byte[] aad = body.hasNonNull("additionalAuthenticatedData")
        ? bytes(body.get("additionalAuthenticatedData")) : new byte[0];
    try {
      ObjectNode out = JSON.createObjectNode();
      if (method.equals("encrypt")) {
        byte[] iv = new byte[12];
        new SecureRandom().nextBytes(iv);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, iv));
        c.updateAAD(aad);
        byte[] ct = c.doFinal(bytes(body.get("plaintext")));
        byte[] blob = new byte[12 + ct.length];
        System.arraycopy(iv, 0, blob, 0, 12);
        System.arraycopy(ct, 0, blob, 12, ct.length);
        out.put("name", name + "/cryptoKeyVersions/1").put("ciphertext", Base64.getEncoder().encodeToString(blob));
      } else if (method.equals("decrypt")) {
        byte[] blob = bytes(body.get("ciphertext"));
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, blob, 0, 12));
        c.updateAAD(aad);
        out.put("plaintext", Base64.getEncoder().encodeToString(c.doFinal(blob, 12, blob.length - 12)));
      } else {
        reply(ex, 404, error(404, "NOT_FOUND", "no method " + method));
        return;
      }
      reply(ex, 200, out);
    } catch (java.security.GeneralSecurityException e) {
      reply(ex, 400, error(400, "INVALID_ARGUMENT", "Decryption failed: the ciphertext is invalid."));
    }
  }

  private static ObjectNode error(int code, String status, String message) {
    ObjectNode e = JSON.createObjectNode();
    e.putObject("error").put("code", code).put("message", message).put("status", status);
    return e;
  }

  private static void reply(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] b = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  private Artifacts artifacts(String key) {
    return Artifacts.start(ArtifactPolicy.parse(Map.of("compression", "zstd", "encryption", "gcp-kms",
        "encryption.kms-key", "gcp-kms://" + key, "encryption.gcp.endpoint", endpoint())));
  }

  @Test
  void dataKeysAreWrappedByTheCloudKmsKeyAndUnwrappedToRead() throws Exception {
    Artifacts a = artifacts(KEY);
    Artifacts.Writer w = a.writer("b1");
    StorageArtifactSink sink = new StorageArtifactSink(storage, "b1/ds", UploadTracker.NONE, Optional.empty(), w.codec("ds"));
    byte[] data = "id,name\n1,Ada Lovelace\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = sink.create("t.csv", "text/csv")) {
      out.write(data);
    }
    assertThat(calls.get()).isEqualTo(1); // one Encrypt per backup, not per artifact
    DatastoreManifest section = new DatastoreManifest("ds", "x", "1", "fp", sink.completed(), List.of(), Map.of());
    BackupManifest m = new BackupManifest(2, "b1", BackupType.FULL, Optional.empty(), Instant.EPOCH, Instant.EPOCH, "t",
        List.of(section), w.dataKey().stream().toList());
    assertThat(m.dataKeys()).singleElement().satisfies(k -> assertThat(k.keyId()).isEqualTo("gcp-kms://" + KEY));
    assertThat(new String(storage.backing().bytes("b1/ds/t.csv").orElseThrow(), StandardCharsets.ISO_8859_1))
        .doesNotContain("Ada");

    StorageArtifactSource source = new StorageArtifactSource(storage, section.artifacts(), x -> "b1/ds/" + x.name(),
        artifacts(KEY).reader(m, section));
    try (InputStream in = source.open("t.csv")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }

    // the key is gone from the KMS: the reader is refused naming it
    keys.clear();
    assertThatThrownBy(() -> artifacts(KEY).reader(m, section))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
          assertThat(e.details()).containsEntry("keyId", "gcp-kms://" + KEY);
        });
  }

  @Test
  void anUnreachableCloudKmsIsADependencyProblem() throws Exception {
    Artifacts a = artifacts(KEY);
    server.stop(0);
    assertThatThrownBy(() -> a.writer("b1"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
  }
}
