package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Qdrant's REST API (port 6333), for what gRPC does not offer: snapshot creation, download, deletion,
 * upload and URL recovery. Bodies are streamed in both directions, never buffered whole.
 */
public final class RestClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final Optional<String> apiKey;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final Duration transferTimeout;

  public RestClient(QdrantSettings settings) {
    String url = settings.restUrl().toString();
    this.base = URI.create(url.endsWith("/") ? url : url + "/");
    this.apiKey = settings.apiKey();
    this.requestTimeout = settings.requestTimeout();
    this.transferTimeout = settings.transferTimeout();
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** The server's version from {@code GET /} (which needs no key). */
  public String version() throws IOException {
    JsonNode root = json("GET /", request("").GET().timeout(requestTimeout).build());
    JsonNode info = root.has("result") && root.get("result").isObject() ? root.get("result") : root;
    return info.path("version").asText("");
  }

  /** Lists collections; the cheapest call that proves the API key is accepted. */
  public int collectionCount() throws IOException {
    return result("list collections", request("collections").GET().timeout(requestTimeout).build())
        .path("collections").size();
  }

  /** {@code GET /collections/{c}}: status, counts, config and payload schema as Qdrant's REST API shows them. */
  public JsonNode collectionInfo(String collection) throws IOException {
    return result("get collection '" + collection + "'",
        request("collections/" + Names.encode(collection)).GET().timeout(requestTimeout).build());
  }

  /**
   * {@code POST /collections/{c}/snapshots?wait=false}: starts a snapshot in the background. Returns the
   * description if the server finished it at once (it answers 200 instead of 202).
   */
  public Optional<SnapshotInfo> startSnapshot(String collection) throws IOException {
    HttpRequest req = request("collections/" + Names.encode(collection) + "/snapshots?wait=false")
        .POST(BodyPublishers.noBody()).timeout(requestTimeout).build();
    HttpResponse<InputStream> resp = send(req, "create snapshot of '" + collection + "'");
    JsonNode body = readJson(resp, "create snapshot of '" + collection + "'");
    JsonNode result = body.path("result");
    if (resp.statusCode() == 202 || result.isMissingNode() || result.isNull()) {
      return Optional.empty();
    }
    return Optional.of(snapshotInfo(result));
  }

  /** {@code GET /collections/{c}/snapshots/{name}}: the snapshot's bytes as a stream the caller closes. */
  public Download download(String collection, String snapshot) throws IOException {
    HttpRequest req = request("collections/" + Names.encode(collection) + "/snapshots/" + Names.encode(snapshot))
        .GET().timeout(transferTimeout).build();
    String op = "download snapshot '" + snapshot + "' of '" + collection + "'";
    HttpResponse<InputStream> resp = send(req, op);
    if (resp.statusCode() != 200) {
      throw error(op, resp);
    }
    return new Download(resp.body(), resp.headers().firstValueAsLong("content-length").orElse(-1));
  }

  /** A streamed snapshot download. */
  public record Download(InputStream body, long contentLength) {}

  /** {@code DELETE /collections/{c}/snapshots/{name}?wait=true}. */
  public void deleteSnapshot(String collection, String snapshot) throws IOException {
    result("delete snapshot '" + snapshot + "' of '" + collection + "'",
        request("collections/" + Names.encode(collection) + "/snapshots/" + Names.encode(snapshot) + "?wait=true")
            .DELETE().timeout(requestTimeout).build());
  }

  /**
   * {@code POST /collections/{c}/snapshots/upload?wait=true&priority=snapshot&checksum=...}: streams the
   * snapshot as the {@code snapshot} part of a multipart form. Qdrant checks the checksum before it
   * touches the collection, then replaces the collection's data with the snapshot's.
   */
  public void upload(String collection, String fileName, Supplier<InputStream> snapshot, long size, String sha256)
      throws IOException {
    String boundary = "qdrant-snapshot-" + UUID.randomUUID();
    byte[] head = ("--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"snapshot\"; filename=\"" + fileName.replace("\"", "") + "\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    Supplier<InputStream> body = () -> new SequenceInputStream(Collections.enumeration(List.of(
        new java.io.ByteArrayInputStream(head), snapshot.get(), new java.io.ByteArrayInputStream(tail))));
    HttpRequest req = request("collections/" + Names.encode(collection)
            + "/snapshots/upload?wait=true&priority=snapshot&checksum=" + sha256)
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(new StreamPublisher(body, head.length + size + tail.length))
        .timeout(transferTimeout).build();
    result("upload snapshot of '" + collection + "'", req);
  }

  /** {@code PUT /collections/{c}/snapshots/recover?wait=true}: the server fetches the snapshot from {@code location} itself. */
  public void recover(String collection, URI location, String sha256) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("location", location.toString());
    body.put("priority", "snapshot");
    body.put("checksum", sha256);
    HttpRequest req = request("collections/" + Names.encode(collection) + "/snapshots/recover?wait=true")
        .header("Content-Type", "application/json")
        .PUT(BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
        .timeout(transferTimeout).build();
    result("recover '" + collection + "' from a URL", req);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    apiKey.ifPresent(k -> b.header("api-key", k));
    return b;
  }

  private JsonNode result(String op, HttpRequest req) throws IOException {
    return json(op, req).path("result");
  }

  private JsonNode json(String op, HttpRequest req) throws IOException {
    HttpResponse<InputStream> resp = send(req, op);
    if (resp.statusCode() / 100 != 2) {
      throw error(op, resp);
    }
    return readJson(resp, op);
  }

  private static JsonNode readJson(HttpResponse<InputStream> resp, String op) throws IOException {
    if (resp.statusCode() / 100 != 2) {
      throw error(op, resp);
    }
    try (InputStream in = resp.body()) {
      return JSON.readTree(in);
    }
  }

  private HttpResponse<InputStream> send(HttpRequest req, String op) throws IOException {
    try {
      return http.send(req, BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(op + " was interrupted");
    }
  }

  /** Qdrant's errors are {@code {"status":{"error":"..."}}}; authentication errors are plain text. */
  private static QdrantHttpException error(String op, HttpResponse<InputStream> resp) throws IOException {
    String text;
    try (InputStream in = resp.body()) {
      text = new String(in.readNBytes(16 * 1024), StandardCharsets.UTF_8).trim();
    }
    String message = text;
    try {
      JsonNode node = JSON.readTree(text);
      if (node != null && node.path("status").has("error")) {
        message = node.path("status").path("error").asText();
      }
    } catch (IOException notJson) {
      // plain-text body, used as it is
    }
    return new QdrantHttpException(op, resp.statusCode(), message.isEmpty() ? "(no message)" : message);
  }

  static SnapshotInfo snapshotInfo(JsonNode d) {
    JsonNode checksum = d.path("checksum");
    return new SnapshotInfo(d.path("name").asText(), d.path("size").asLong(),
        checksum.isTextual() ? Optional.of(checksum.asText()) : Optional.empty());
  }
}
