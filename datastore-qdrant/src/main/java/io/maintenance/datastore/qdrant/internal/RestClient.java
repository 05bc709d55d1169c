package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Qdrant's REST API (port 6333), for what gRPC does not offer: snapshot creation, download, deletion,
 * upload and URL recovery. Bodies are streamed in both directions, never buffered whole.
 *
 * <p>Built on {@link HttpURLConnection}: with fixed-length streaming it writes and reads the socket
 * directly, which measured about twice the throughput of {@code java.net.http.HttpClient}'s stream
 * handlers on multi-gigabyte snapshots (see {@code benchmarks/qdrant.sh}).
 */
public final class RestClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 256 * 1024;

  private final URI base;
  private final Optional<String> apiKey;
  private final int connectTimeoutMs;
  private final int requestTimeoutMs;
  private final int transferTimeoutMs;

  public RestClient(QdrantSettings settings) {
    String url = settings.restUrl().toString();
    this.base = URI.create(url.endsWith("/") ? url : url + "/");
    this.apiKey = settings.apiKey();
    this.connectTimeoutMs = millis(settings.connectTimeout());
    this.requestTimeoutMs = millis(settings.requestTimeout());
    this.transferTimeoutMs = millis(settings.transferTimeout());
  }

  /** The server's version from {@code GET /} (which needs no key). */
  public String version() throws IOException {
    JsonNode root = exchange("GET /", open("GET", "", requestTimeoutMs), null);
    JsonNode info = root.has("result") && root.get("result").isObject() ? root.get("result") : root;
    return info.path("version").asText("");
  }

  /** Lists collections; the cheapest call that proves the API key is accepted. */
  public int collectionCount() throws IOException {
    return exchange("list collections", open("GET", "collections", requestTimeoutMs), null)
        .path("result").path("collections").size();
  }

  /** {@code GET /collections/{c}}: status, counts, config and payload schema as Qdrant's REST API shows them. */
  public JsonNode collectionInfo(String collection) throws IOException {
    return exchange("get collection '" + collection + "'",
        open("GET", "collections/" + Names.encode(collection), requestTimeoutMs), null).path("result");
  }

  /**
   * {@code POST /collections/{c}/snapshots?wait=false}: starts a snapshot in the background. Returns the
   * description if the server finished it at once (it answers 200 instead of 202).
   */
  public Optional<SnapshotInfo> startSnapshot(String collection) throws IOException {
    JsonNode result = exchange("create snapshot of '" + collection + "'",
        open("POST", "collections/" + Names.encode(collection) + "/snapshots?wait=false", requestTimeoutMs), new byte[0])
        .path("result");
    return result.isObject() ? Optional.of(snapshotInfo(result)) : Optional.empty();
  }

  /** {@code GET /collections/{c}/snapshots/{name}}: the snapshot's bytes as a stream the caller closes. */
  public Download download(String collection, String snapshot) throws IOException {
    String op = "download snapshot '" + snapshot + "' of '" + collection + "'";
    HttpURLConnection c = open("GET", "collections/" + Names.encode(collection) + "/snapshots/" + Names.encode(snapshot),
        transferTimeoutMs);
    int status = c.getResponseCode();
    if (status != 200) {
      throw error(op, c, status);
    }
    return new Download(c.getInputStream(), c.getContentLengthLong());
  }

  /** A streamed snapshot download. */
  public record Download(InputStream body, long contentLength) {}

  /** {@code DELETE /collections/{c}/snapshots/{name}?wait=true}. */
  public void deleteSnapshot(String collection, String snapshot) throws IOException {
    exchange("delete snapshot '" + snapshot + "' of '" + collection + "'", open("DELETE",
        "collections/" + Names.encode(collection) + "/snapshots/" + Names.encode(snapshot) + "?wait=true", requestTimeoutMs), null);
  }

  /**
   * {@code POST /collections/{c}/snapshots/upload?wait=true&priority=snapshot&checksum=...}: streams the
   * snapshot as the {@code snapshot} part of a multipart form with a known length. Qdrant checks the
   * checksum before it touches the collection, then replaces the collection's data with the snapshot's.
   * If {@code snapshot} fails while being read, the request is abandoned half-sent, so Qdrant never
   * recovers from it.
   */
  public void upload(String collection, String fileName, InputStream snapshot, long size, String sha256) throws IOException {
    String op = "upload snapshot of '" + collection + "'";
    String boundary = "qdrant-snapshot-" + UUID.randomUUID();
    byte[] head = ("--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"snapshot\"; filename=\"" + fileName.replace("\"", "") + "\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    HttpURLConnection c = open("POST", "collections/" + Names.encode(collection)
        + "/snapshots/upload?wait=true&priority=snapshot&checksum=" + sha256, transferTimeoutMs);
    c.setRequestProperty("Content-Type", "multipart/form-data; boundary=" + boundary);
    c.setDoOutput(true);
    c.setFixedLengthStreamingMode(head.length + size + tail.length);
    try (OutputStream out = c.getOutputStream()) {
      out.write(head);
      byte[] buf = new byte[BUFFER];
      long sent = 0;
      int n;
      while ((n = snapshot.read(buf)) >= 0) {
        out.write(buf, 0, n);
        sent += n;
      }
      if (sent != size) {
        throw new IOException("the snapshot artifact has " + sent + " bytes, " + size + " were expected");
      }
      out.write(tail);
    } catch (IOException | RuntimeException e) {
      c.disconnect();
      throw e;
    }
    exchange(op, c, null);
  }

  /** {@code PUT /collections/{c}/snapshots/recover?wait=true}: the server fetches the snapshot from {@code location} itself. */
  public void recover(String collection, URI location, String sha256) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("location", location.toString());
    body.put("priority", "snapshot");
    body.put("checksum", sha256);
    exchange("recover '" + collection + "' from a URL",
        open("PUT", "collections/" + Names.encode(collection) + "/snapshots/recover?wait=true", transferTimeoutMs),
        JSON.writeValueAsBytes(body));
  }

  private HttpURLConnection open(String method, String path, int readTimeoutMs) throws IOException {
    HttpURLConnection c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
    c.setRequestMethod(method);
    c.setConnectTimeout(connectTimeoutMs);
    c.setReadTimeout(readTimeoutMs);
    c.setInstanceFollowRedirects(false);
    c.setUseCaches(false);
    c.setRequestProperty("Accept", "application/json");
    apiKey.ifPresent(k -> c.setRequestProperty("api-key", k));
    return c;
  }

  /** Sends an optional JSON body, checks the status and parses the JSON answer. */
  private static JsonNode exchange(String op, HttpURLConnection c, byte[] body) throws IOException {
    if (body != null) {
      c.setDoOutput(true);
      c.setFixedLengthStreamingMode(body.length);
      c.setRequestProperty("Content-Type", "application/json");
      try (OutputStream out = c.getOutputStream()) {
        out.write(body);
      }
    }
    int status = c.getResponseCode();
    if (status / 100 != 2) {
      throw error(op, c, status);
    }
    try (InputStream in = c.getInputStream()) {
      return JSON.readTree(in);
    }
  }

  /** Qdrant's errors are {@code {"status":{"error":"..."}}}; authentication errors are plain text. */
  private static QdrantHttpException error(String op, HttpURLConnection c, int status) throws IOException {
    String text = "";
    try (InputStream in = c.getErrorStream()) {
      if (in != null) {
        text = new String(in.readNBytes(16 * 1024), StandardCharsets.UTF_8).trim();
      }
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
    return new QdrantHttpException(op, status, message.isEmpty() ? "(no message)" : message);
  }

  static SnapshotInfo snapshotInfo(JsonNode d) {
    JsonNode checksum = d.path("checksum");
    return new SnapshotInfo(d.path("name").asText(), d.path("size").asLong(),
        checksum.isTextual() ? Optional.of(checksum.asText()) : Optional.empty());
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }
}
