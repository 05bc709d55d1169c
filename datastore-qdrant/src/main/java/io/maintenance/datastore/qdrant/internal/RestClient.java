package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Qdrant's REST API (port 6333) of one node (or of whatever a load balancer reaches): snapshot creation,
 * listing, download, deletion, upload and URL recovery for a {@link SnapshotScope}, cluster info, and the
 * collection calls gRPC lacks or that must reach a given node. Bodies are streamed both ways, never
 * buffered whole.
 *
 * <p>Built on {@link HttpURLConnection}: with fixed-length streaming it writes and reads the socket
 * directly, which measured about twice the throughput of {@code java.net.http.HttpClient}'s stream
 * handlers on multi-gigabyte snapshots (see {@code benchmarks/qdrant.sh}).
 */
public final class RestClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 256 * 1024;

  private final URI base;
  private final Optional<String> apiKey;
  private final int connectTimeoutMs;
  private final int requestTimeoutMs;
  private final int transferTimeoutMs;
  private HttpClient patchClient;

  public RestClient(URI url, QdrantSettings settings) {
    String u = url.toString();
    this.base = URI.create(u.endsWith("/") ? u : u + "/");
    this.apiKey = settings.apiKey();
    this.connectTimeoutMs = millis(settings.connectTimeout());
    this.requestTimeoutMs = millis(settings.requestTimeout());
    this.transferTimeoutMs = millis(settings.transferTimeout());
  }

  public URI url() {
    return base;
  }

  /** The server's version from {@code GET /} (which needs no key). */
  public String version() throws IOException {
    JsonNode root = exchange("GET /", open("GET", "", requestTimeoutMs), null);
    JsonNode info = root.has("result") && root.get("result").isObject() ? root.get("result") : root;
    return info.path("version").asText("");
  }

  /** Lists collections; the cheapest call that proves the API key is accepted. */
  public int collectionCount() throws IOException {
    return get("list collections", "collections").path("collections").size();
  }

  /** {@code GET /cluster}: {@code status} ("enabled" or "disabled"), this node's {@code peer_id}, the {@code peers}. */
  public JsonNode cluster() throws IOException {
    return get("get cluster info", "cluster");
  }

  /** {@code GET /collections/{c}/cluster}: this node's local shards (with point counts) and the remote ones. */
  public JsonNode collectionCluster(String collection) throws IOException {
    return get("get cluster info of '" + collection + "'", "collections/" + Names.encode(collection) + "/cluster");
  }

  /** {@code GET /collections/{c}}: status, counts, config and payload schema as Qdrant's REST API shows them. */
  public JsonNode collectionInfo(String collection) throws IOException {
    return get("get collection '" + collection + "'", "collections/" + Names.encode(collection));
  }

  /** {@code PUT /collections/{c}}: creates a collection from a REST collection description. */
  public void createCollection(String collection, JsonNode body) throws IOException {
    exchange("create collection '" + collection + "'", open("PUT", "collections/" + Names.encode(collection)
        + "?wait=true", requestTimeoutMs), JSON.writeValueAsBytes(body));
  }

  /**
   * {@code PATCH /collections/{c}}: changes the collection's mutable config. {@link HttpURLConnection}
   * knows no PATCH, so this small request goes through the JDK's {@link HttpClient}.
   */
  public void updateCollection(String collection, JsonNode body) throws IOException {
    String op = "update collection '" + collection + "'";
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("collections/" + Names.encode(collection) + "?wait=true"))
        .timeout(Duration.ofMillis(transferTimeoutMs)).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    apiKey.ifPresent(k -> b.header("api-key", k));
    HttpResponse<String> response;
    try {
      response = patchClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(op + " was interrupted");
    }
    if (response.statusCode() / 100 != 2) {
      throw new QdrantHttpException(op, response.statusCode(), serverMessage(response.body()));
    }
  }

  /** {@code PUT /collections/{c}/index}: creates (or replaces) a payload index and waits for it. */
  public void createIndex(String collection, String field, JsonNode schema) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("field_name", field);
    body.set("field_schema", schema);
    exchange("create payload index '" + field + "' of '" + collection + "'", open("PUT",
        "collections/" + Names.encode(collection) + "/index?wait=true", transferTimeoutMs), JSON.writeValueAsBytes(body));
  }

  /** {@code DELETE /collections/{c}/index/{field}}. */
  public void deleteIndex(String collection, String field) throws IOException {
    exchange("delete payload index '" + field + "' of '" + collection + "'", open("DELETE",
        "collections/" + Names.encode(collection) + "/index/" + Names.encode(field) + "?wait=true", transferTimeoutMs), null);
  }

  /** {@code GET {scope}/snapshots}, as Qdrant lists them (the checksum is absent where it keeps none). */
  public List<SnapshotInfo> listSnapshots(SnapshotScope scope) throws IOException {
    List<SnapshotInfo> out = new ArrayList<>();
    for (JsonNode d : get("list snapshots of " + scope, scope.path() + "/snapshots")) {
      out.add(snapshotInfo(d));
    }
    return out;
  }

  /**
   * {@code POST {scope}/snapshots?wait=false}: starts a snapshot in the background. Returns the
   * description if the server finished it at once (it answers 200 instead of 202).
   */
  public Optional<SnapshotInfo> startSnapshot(SnapshotScope scope) throws IOException {
    JsonNode result = exchange("create snapshot of " + scope,
        open("POST", scope.path() + "/snapshots?wait=false", requestTimeoutMs), new byte[0]).path("result");
    return result.isObject() ? Optional.of(snapshotInfo(result)) : Optional.empty();
  }

  /** {@code GET {scope}/snapshots/{name}}: the snapshot's bytes as a stream the caller closes. */
  public InputStream download(SnapshotScope scope, String snapshot) throws IOException {
    String op = "download snapshot '" + snapshot + "' of " + scope;
    HttpURLConnection c = open("GET", scope.path() + "/snapshots/" + Names.encode(snapshot), transferTimeoutMs);
    int status = c.getResponseCode();
    if (status != 200) {
      throw error(op, c, status);
    }
    return c.getInputStream();
  }

  /** {@code DELETE {scope}/snapshots/{name}?wait=true}. */
  public void deleteSnapshot(SnapshotScope scope, String snapshot) throws IOException {
    exchange("delete snapshot '" + snapshot + "' of " + scope, open("DELETE",
        scope.path() + "/snapshots/" + Names.encode(snapshot) + "?wait=true", requestTimeoutMs), null);
  }

  /**
   * {@code POST {scope}/snapshots/upload?wait=true&priority=snapshot&checksum=...}: streams the snapshot
   * as the {@code snapshot} part of a multipart form with a known length, under {@code fileName} (the
   * name Qdrant keeps an uploaded collection snapshot under). Qdrant checks the checksum before it touches
   * the collection. If {@code snapshot} fails while being read, the request is abandoned half-sent, so
   * Qdrant never recovers from it.
   */
  public void upload(SnapshotScope scope, String fileName, InputStream snapshot, long size, String sha256) throws IOException {
    String op = "upload snapshot of " + scope;
    String boundary = "qdrant-snapshot-" + UUID.randomUUID();
    byte[] head = ("--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"snapshot\"; filename=\"" + fileName.replace("\"", "") + "\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    HttpURLConnection c = open("POST", scope.path() + "/snapshots/upload?wait=true&priority=snapshot&checksum=" + sha256,
        transferTimeoutMs);
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

  /** {@code PUT {scope}/snapshots/recover?wait=true}: the server fetches the snapshot from {@code location} itself. */
  public void recover(SnapshotScope scope, URI location, String sha256) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("location", location.toString());
    body.put("priority", "snapshot");
    body.put("checksum", sha256);
    exchange("recover " + scope + " from a URL",
        open("PUT", scope.path() + "/snapshots/recover?wait=true", transferTimeoutMs), JSON.writeValueAsBytes(body));
  }

  private synchronized HttpClient patchClient() {
    if (patchClient == null) {
      patchClient = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(connectTimeoutMs)).build();
    }
    return patchClient;
  }

  private JsonNode get(String op, String path) throws IOException {
    return exchange(op, open("GET", path, requestTimeoutMs), null).path("result");
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
    return new QdrantHttpException(op, status, serverMessage(text));
  }

  private static String serverMessage(String text) {
    String message = text.trim();
    try {
      JsonNode node = JSON.readTree(message);
      if (node != null && node.path("status").has("error")) {
        message = node.path("status").path("error").asText();
      }
    } catch (IOException notJson) {
      // plain-text body, used as it is
    }
    return message.isEmpty() ? "(no message)" : message;
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
