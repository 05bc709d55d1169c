package io.maintenance.datastore.qdrant.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.maintenance.datastore.qdrant.testing.FakeQdrant.Collection;
import io.maintenance.datastore.qdrant.testing.FakeQdrant.QdrantError;
import io.maintenance.datastore.qdrant.testing.FakeQdrant.SnapshotFile;
import io.qdrant.client.grpc.Collections.CollectionConfig;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.VectorParams;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;

/** The REST side of {@link FakeQdrant} on a JDK {@code HttpServer}; bodies stream from and to disk. */
final class FakeRest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> WHITELIST = List.of("/", "/healthz", "/readyz", "/livez");

  private final FakeQdrant q;
  private final HttpServer server;
  private final HttpClient fetcher = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

  FakeRest(FakeQdrant q) throws IOException {
    this.q = q;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-qdrant-rest");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    long start = System.nanoTime();
    try (ex) {
      String rawPath = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      q.requestLog.add(ex.getRequestMethod() + " " + rawPath + (query == null ? "" : "?" + query));
      if (!WHITELIST.contains(rawPath) && !authorized(ex)) {
        return;
      }
      try {
        route(ex, segments(rawPath), params(query), start);
      } catch (QdrantError e) {
        drain(ex);
        error(ex, e.status, e.getMessage(), start);
      }
    }
  }

  /** Qdrant answers a missing or wrong key with 401 and a plain-text body. */
  private boolean authorized(HttpExchange ex) throws IOException {
    if (q.apiKey.isEmpty()) {
      return true;
    }
    String key = ex.getRequestHeaders().getFirst("api-key");
    if (key == null) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      key = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
    }
    String problem = key == null ? "Must provide an API key or an Authorization bearer token"
        : key.equals(q.apiKey.get()) ? null : "Invalid API key or JWT";
    if (problem == null) {
      return true;
    }
    drain(ex);
    byte[] body = problem.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(401, body.length);
    ex.getResponseBody().write(body);
    return false;
  }

  private void route(HttpExchange ex, List<String> p, Map<String, String> params, long start) throws IOException {
    String m = ex.getRequestMethod();
    if (p.isEmpty() && m.equals("GET")) {
      ObjectNode v = JSON.createObjectNode();
      v.put("title", "qdrant - vector search engine");
      v.put("version", q.version);
      v.put("commit", "fake");
      json(ex, 200, v);
      return;
    }
    if (p.size() == 1 && p.get(0).equals("cluster") && m.equals("GET")) {
      ok(ex, JSON.createObjectNode().put("status", "disabled"), start);
      return;
    }
    if (p.isEmpty() || !p.get(0).equals("collections")) {
      throw QdrantError.notFound("no route " + m + " " + ex.getRequestURI().getRawPath());
    }
    if (p.size() == 1 && m.equals("GET")) {
      ObjectNode r = JSON.createObjectNode();
      ArrayNode list = r.putArray("collections");
      synchronized (q.lock) {
        q.collections.keySet().forEach(n -> list.addObject().put("name", n));
      }
      ok(ex, r, start);
      return;
    }
    String c = p.get(1);
    if (p.size() == 2 && m.equals("GET")) {
      CollectionInfo info;
      synchronized (q.lock) {
        info = q.require(c).info();
      }
      ok(ex, restInfo(info), start);
      return;
    }
    if (p.size() == 2 && m.equals("PATCH")) {
      JsonNode body = readJson(ex);
      synchronized (q.lock) {
        Collection col = q.require(c);
        col.config = FakeConfig.update(col.config, body);
      }
      ok(ex, JSON.getNodeFactory().booleanNode(true), start);
      return;
    }
    if (p.size() == 3 && p.get(2).equals("index") && m.equals("PUT")) {
      JsonNode body = readJson(ex);
      synchronized (q.lock) {
        q.require(c).schema.put(body.path("field_name").asText(), FakeConfig.index(body.path("field_schema")));
      }
      ok(ex, operation(), start);
      return;
    }
    if (p.size() == 4 && p.get(2).equals("index") && m.equals("DELETE")) {
      synchronized (q.lock) {
        q.require(c).schema.remove(p.get(3));
      }
      ok(ex, operation(), start);
      return;
    }
    if (p.size() < 3 || !p.get(2).equals("snapshots")) {
      throw QdrantError.notFound("no route " + m + " " + ex.getRequestURI().getRawPath());
    }
    boolean wait = !"false".equals(params.get("wait"));
    if (p.size() == 3 && m.equals("GET")) {
      ArrayNode list = JSON.createArrayNode();
      for (SnapshotFile s : q.listSnapshots(c)) {
        list.add(description(s));
      }
      ok(ex, list, start);
    } else if (p.size() == 3 && m.equals("POST")) {
      synchronized (q.lock) {
        q.require(c);
      }
      if (wait) {
        ok(ex, description(q.createSnapshot(c)), start);
      } else {
        q.background.submit(() -> q.createSnapshot(c));
        accepted(ex, start);
      }
    } else if (p.size() == 4 && p.get(3).equals("upload") && m.equals("POST")) {
      upload(ex, c, params, start);
    } else if (p.size() == 4 && p.get(3).equals("recover") && m.equals("PUT")) {
      recoverFromUrl(ex, c, params, start);
    } else if (p.size() == 4 && m.equals("GET")) {
      Path file = q.snapshotPath(c, p.get(3));
      ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
      ex.sendResponseHeaders(200, Files.size(file));
      try (OutputStream out = ex.getResponseBody()) {
        Files.copy(file, out);
      }
    } else if (p.size() == 4 && m.equals("DELETE")) {
      ok(ex, JSON.getNodeFactory().booleanNode(q.deleteSnapshot(c, p.get(3))), start);
    } else {
      throw QdrantError.notFound("no route " + m + " " + ex.getRequestURI().getRawPath());
    }
  }

  /** {@code POST /collections/{c}/snapshots/upload}: the multipart body goes to a temporary file first, as in Qdrant. */
  private void upload(HttpExchange ex, String c, Map<String, String> params, long start) throws IOException {
    Optional<String> checksum = uploadParams(params);
    String boundary = MultipartReader.boundary(ex.getRequestHeaders().getFirst("Content-Type"))
        .orElseThrow(() -> QdrantError.badRequest("Content type error: expected multipart/form-data"));
    Path tmp = Files.createTempFile(q.root.resolve("tmp"), "upload-", ".snapshot");
    try {
      boolean[] seen = new boolean[1];
      String[] fileName = new String[1];
      OutputStream[] open = new OutputStream[1];
      try (InputStream body = ex.getRequestBody()) {
        new MultipartReader(body, boundary).readParts(part -> {
          try {
            if (open[0] != null) {
              open[0].close();
              open[0] = null;
            }
            if (part.name().equals("snapshot")) {
              seen[0] = true;
              fileName[0] = part.fileName().map(f -> Path.of(f).getFileName().toString()).orElse(java.util.UUID.randomUUID().toString());
              open[0] = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 256 * 1024);
              return open[0];
            }
            return OutputStream.nullOutputStream();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
      } catch (IOException e) {
        throw QdrantError.badRequest("Multipart error: " + e.getMessage());
      } finally {
        if (open[0] != null) {
          open[0].close();
        }
      }
      if (!seen[0]) {
        throw QdrantError.badRequest("Multipart error: field `snapshot` is missing");
      }
      if (checksum.isPresent()) {
        String actual = FakeQdrant.sha256(tmp);
        if (!actual.equalsIgnoreCase(checksum.get())) {
          throw new QdrantError(400, "Checksum mismatch: expected " + actual + ", actual " + checksum.get());
        }
      }
      // Qdrant moves the upload into the collection's snapshots folder and recovers from there; it stays.
      Path kept = q.snapshotDir(q.resolve(c)).resolve(fileName[0]);
      Files.move(tmp, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      q.recover(c, kept, Optional.empty(), FakeQdrant.Source.UPLOAD);
      ok(ex, JSON.getNodeFactory().booleanNode(true), start);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** {@code PUT /collections/{c}/snapshots/recover}: fetches {@code location} (http(s), or file:// inside the snapshots directory). */
  private void recoverFromUrl(HttpExchange ex, String c, Map<String, String> params, long start) throws IOException {
    JsonNode body;
    try (InputStream in = ex.getRequestBody()) {
      body = JSON.readTree(in);
    } catch (IOException e) {
      throw QdrantError.badRequest("Json deserialize error: " + e.getMessage());
    }
    String location = body.path("location").asText(null);
    if (location == null) {
      throw QdrantError.badRequest("Json deserialize error: missing field `location`");
    }
    priority(body.path("priority").isTextual() ? body.path("priority").asText() : null);
    Optional<String> checksum = body.path("checksum").isTextual() ? Optional.of(body.path("checksum").asText()) : Optional.empty();
    if (checksum.isPresent()) {
      validateSha256(checksum.get());
    }
    URI uri = URI.create(location);
    if (!q.urlRecoveryEnabled && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new QdrantError(403, "Forbidden: Snapshot recovery from remote URLs is disabled in the configuration");
    }
    Path tmp = Files.createTempFile(q.root.resolve("tmp"), "recover-", ".snapshot");
    try {
      if ("file".equals(uri.getScheme())) {
        Path src = Path.of(uri).normalize();
        if (!src.startsWith(q.root.resolve("snapshots"))) {
          throw QdrantError.badRequest("Snapshot file " + src + " must be inside snapshots directory");
        }
        Files.copy(src, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } else if ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) {
        HttpResponse<Path> resp;
        try {
          resp = fetcher.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofFile(tmp));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new QdrantError(500, "Service internal error: interrupted");
        }
        if (resp.statusCode() != 200) {
          throw new QdrantError(400, "Bad request: Failed to download snapshot from " + location + ": status - " + resp.statusCode());
        }
      } else {
        throw QdrantError.badRequest("Invalid snapshot URI scheme " + uri.getScheme());
      }
      q.recover(c, tmp, checksum, FakeQdrant.Source.URL);
      ok(ex, JSON.getNodeFactory().booleanNode(true), start);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Optional<String> uploadParams(Map<String, String> params) throws QdrantError {
    priority(params.get("priority"));
    Optional<String> checksum = Optional.ofNullable(params.get("checksum"));
    if (checksum.isPresent()) {
      validateSha256(checksum.get());
    }
    return checksum;
  }

  private static void priority(String p) throws QdrantError {
    if (p != null && !List.of("no_sync", "snapshot", "replica").contains(p)) {
      throw QdrantError.badRequest("Query deserialize error: unknown variant `" + p + "`, expected one of `no_sync`, `snapshot`, `replica`");
    }
  }

  private static void validateSha256(String s) throws QdrantError {
    if (!s.matches("[0-9a-fA-F]{64}")) {
      throw QdrantError.badRequest("Validation error in query string: [checksum: invalid sha256 hash]");
    }
  }

  private static JsonNode readJson(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw QdrantError.badRequest("Json deserialize error: " + e.getMessage());
    }
  }

  private static ObjectNode operation() {
    return JSON.createObjectNode().put("operation_id", 0).put("status", "completed");
  }

  // ---------------------------------------------------------------- JSON shapes

  static ObjectNode restConfig(CollectionConfig config) {
    ObjectNode c = JSON.createObjectNode();
    ObjectNode params = c.putObject("params");
    var vc = config.getParams().getVectorsConfig();
    if (vc.hasParams()) {
      params.set("vectors", vectorParams(vc.getParams()));
    } else if (vc.hasParamsMap()) {
      ObjectNode named = params.putObject("vectors");
      vc.getParamsMap().getMapMap().forEach((k, v) -> named.set(k, vectorParams(v)));
    }
    params.put("shard_number", config.getParams().getShardNumber());
    params.put("replication_factor", config.getParams().getReplicationFactor());
    params.put("write_consistency_factor", config.getParams().getWriteConsistencyFactor());
    params.put("on_disk_payload", config.getParams().getOnDiskPayload());
    c.set("hnsw_config", FakeConfig.json(config.getHnswConfig()));
    ObjectNode wal = c.putObject("wal_config");
    wal.put("wal_capacity_mb", config.getWalConfig().getWalCapacityMb());
    wal.put("wal_segments_ahead", config.getWalConfig().getWalSegmentsAhead());
    c.set("optimizer_config", FakeConfig.json(config.getOptimizerConfig()));
    c.set("quantization_config", FakeConfig.quantization(config));
    return c;
  }

  private static ObjectNode vectorParams(VectorParams v) {
    ObjectNode n = JSON.createObjectNode();
    n.put("size", v.getSize());
    n.put("distance", v.getDistance().name());
    if (v.hasOnDisk()) {
      n.put("on_disk", v.getOnDisk());
    }
    return n;
  }

  static ObjectNode payloadIndexJson(CollectionInfo info) {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode schema = n.putObject("schema");
    info.getPayloadSchemaMap().forEach((k, v) -> schema.put(k, v.getDataType().name().toLowerCase(Locale.ROOT)));
    return n;
  }

  private static ObjectNode restInfo(CollectionInfo info) {
    ObjectNode r = JSON.createObjectNode();
    r.put("status", "green");
    r.put("optimizer_status", "ok");
    r.put("indexed_vectors_count", info.getIndexedVectorsCount());
    r.put("points_count", info.getPointsCount());
    r.put("segments_count", info.getSegmentsCount());
    r.set("config", restConfig(info.getConfig()));
    ObjectNode schema = r.putObject("payload_schema");
    info.getPayloadSchemaMap().forEach((k, v) -> {
      ObjectNode f = schema.putObject(k);
      f.put("data_type", v.getDataType().name().toLowerCase(Locale.ROOT));
      f.put("points", v.getPoints());
    });
    return r;
  }

  private static ObjectNode description(SnapshotFile s) {
    ObjectNode d = JSON.createObjectNode();
    d.put("name", s.name());
    d.put("creation_time", s.created().toString().replace("Z", ""));
    d.put("size", s.size());
    if (s.checksum() == null) {
      d.putNull("checksum");
    } else {
      d.put("checksum", s.checksum());
    }
    return d;
  }

  // ---------------------------------------------------------------- responses

  private static void ok(HttpExchange ex, JsonNode result, long start) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.set("result", result);
    body.put("status", "ok");
    body.put("time", seconds(start));
    json(ex, 200, body);
  }

  private static void accepted(HttpExchange ex, long start) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.putNull("result");
    body.put("status", "accepted");
    body.put("time", seconds(start));
    json(ex, 202, body);
  }

  private static void error(HttpExchange ex, int status, String message, long start) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.putNull("result");
    body.putObject("status").put("error", message);
    body.put("time", seconds(start));
    json(ex, status, body);
  }

  private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static void drain(HttpExchange ex) {
    try (InputStream in = ex.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      // the client went away; nothing to answer
    }
  }

  private static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String s : rawPath.split("/")) {
      if (!s.isEmpty()) {
        out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static Map<String, String> params(String rawQuery) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery == null) {
      return out;
    }
    for (String kv : rawQuery.split("&")) {
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return out;
  }
}
