package io.maintenance.datastore.qdrant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Qdrant's REST API as a test speaks it, independent of the plugin: set up and inspect collections the
 * way {@code curl} would, and read every point back through Qdrant's own scroll.
 */
final class QdrantHttp {
  static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final URI base;
  private final String apiKey;

  QdrantHttp(URI base, String apiKey) {
    String u = base.toString();
    this.base = URI.create(u.endsWith("/") ? u : u + "/");
    this.apiKey = apiKey;
  }

  /** A REST call that must succeed; returns {@code result}. */
  JsonNode call(String method, String path, Object body) throws IOException, InterruptedException {
    Response r = send(method, path, body);
    if (r.status() / 100 != 2) {
      throw new IOException(method + " " + path + " answered " + r.status() + ": " + r.body());
    }
    return r.body().path("result");
  }

  /** A REST call as it is answered, error or not. */
  Response send(String method, String path, Object body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(5))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body instanceof String s ? s.getBytes() : JSON.writeValueAsBytes(body)));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (apiKey != null) {
      b.header("api-key", apiKey);
    }
    HttpResponse<String> resp = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json;
    try {
      json = JSON.readTree(resp.body());
    } catch (IOException notJson) {
      json = JSON.getNodeFactory().textNode(resp.body());
    }
    return new Response(resp.statusCode(), json == null ? JSON.nullNode() : json);
  }

  record Response(int status, JsonNode body) {
    String error() {
      return body.path("status").path("error").asText(body.asText());
    }
  }

  /** The collection's config and payload indexes as Qdrant reports them, without counts that change with the data. */
  String config(String collection) throws IOException, InterruptedException {
    JsonNode info = call("GET", "collections/" + collection, null);
    ObjectNode out = JSON.createObjectNode();
    out.set("config", info.path("config"));
    ObjectNode schema = out.putObject("payload_schema");
    info.path("payload_schema").fields().forEachRemaining(e -> {
      ObjectNode f = ((ObjectNode) e.getValue()).deepCopy();
      f.remove("points");
      schema.set(e.getKey(), f);
    });
    return canonical(out);
  }

  /** Every point (id, vectors, payload) through Qdrant's own scroll, by id, in canonical JSON. */
  Map<String, String> points(String collection) throws IOException, InterruptedException {
    Map<String, String> out = new TreeMap<>();
    JsonNode offset = null;
    do {
      ObjectNode req = JSON.createObjectNode();
      req.put("limit", 2000);
      req.put("with_payload", true);
      req.put("with_vector", true);
      if (offset != null) {
        req.set("offset", offset);
      }
      JsonNode page = call("POST", "collections/" + collection + "/points/scroll", req);
      for (JsonNode p : page.path("points")) {
        ObjectNode point = JSON.createObjectNode();
        point.set("vector", p.path("vector"));
        point.set("payload", p.path("payload"));
        out.put(p.path("id").asText(), canonical(point));
      }
      offset = page.path("next_page_offset").isNull() || page.path("next_page_offset").isMissingNode() ? null
          : page.path("next_page_offset");
    } while (offset != null);
    return out;
  }

  /** The snapshots Qdrant lists for the collection (none if it does not exist). */
  java.util.List<String> snapshots(String collection) throws IOException, InterruptedException {
    Response r = send("GET", "collections/" + collection + "/snapshots", null);
    java.util.List<String> names = new java.util.ArrayList<>();
    if (r.status() == 200) {
      r.body().path("result").forEach(s -> names.add(s.path("name").asText()));
    }
    java.util.Collections.sort(names);
    return names;
  }

  static String canonical(JsonNode n) throws IOException {
    return JSON.writeValueAsString(JSON.treeToValue(n, Object.class));
  }

  static ArrayNode array() {
    return JSON.createArrayNode();
  }
}
