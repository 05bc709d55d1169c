package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The config of a collection as Qdrant's REST API shows it ({@code GET /collections/{c}}), compared
 * between the backup and a live collection. Recovering a snapshot over an existing collection replaces
 * only its data: Qdrant refuses other vector params or shard number, and keeps the live collection's
 * HNSW, optimizer, quantization, sparse-vector and replication settings and payload indexes. So the
 * plan names what differs, refuses what cannot change, and the restore applies the rest afterwards.
 */
public final class ConfigSync {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Collection-wide settings Qdrant can change in place, by their place in {@code config}. */
  private static final List<String> SETTINGS = List.of("hnsw_config", "optimizer_config", "quantization_config",
      "strict_mode_config", "metadata");
  private static final List<String> PARAMS = List.of("replication_factor", "write_consistency_factor", "on_disk_payload",
      "read_fan_out_factor");

  private ConfigSync() {}

  /**
   * What no restore can change in place: dense vectors (names and params, which Qdrant itself compares
   * before recovering a collection snapshot and never checks for shard snapshots), sparse vector names,
   * shard number and sharding method.
   */
  public static List<String> immutableDifferences(JsonNode live, JsonNode backedUp) {
    List<String> out = new ArrayList<>();
    JsonNode a = live.path("params");
    JsonNode b = backedUp.path("params");
    if (!a.path("vectors").equals(b.path("vectors"))) {
      out.add("dense vectors " + a.path("vectors") + " (the backup has " + b.path("vectors") + ")");
    }
    if (!names(a.path("sparse_vectors")).equals(names(b.path("sparse_vectors")))) {
      out.add("sparse vectors " + names(a.path("sparse_vectors")) + " (the backup has " + names(b.path("sparse_vectors")) + ")");
    }
    if (a.path("shard_number").asInt(1) != b.path("shard_number").asInt(1)) {
      out.add("shard number " + a.path("shard_number").asInt(1) + " (the backup has " + b.path("shard_number").asInt(1) + ")");
    }
    if (!a.path("sharding_method").asText("auto").equals(b.path("sharding_method").asText("auto"))) {
      out.add("sharding method " + a.path("sharding_method").asText("auto") + " (the backup has "
          + b.path("sharding_method").asText("auto") + ")");
    }
    return out;
  }

  /** The in-place changes that make the live config the backup's, as people read them. */
  public static List<String> changes(JsonNode live, JsonNode backedUp) {
    List<String> out = new ArrayList<>();
    for (String p : PARAMS) {
      JsonNode a = live.path("params").path(p);
      JsonNode b = backedUp.path("params").path(p);
      if (!b.isMissingNode() && !same(a, b)) {
        out.add(p + " " + text(a) + " -> " + text(b));
      }
    }
    JsonNode liveSparse = live.path("params").path("sparse_vectors");
    backedUp.path("params").path("sparse_vectors").fields().forEachRemaining(e -> {
      if (liveSparse.has(e.getKey()) && !same(liveSparse.get(e.getKey()), e.getValue())) {
        out.add("sparse vector '" + e.getKey() + "' " + liveSparse.get(e.getKey()) + " -> " + e.getValue());
      }
    });
    for (String s : SETTINGS) {
      JsonNode a = live.path(s);
      JsonNode b = backedUp.path(s);
      if (!same(a, b) && !(b.isMissingNode() && s.equals("metadata"))) {
        out.add(s + " " + text(a) + " -> " + text(b));
      }
    }
    return out;
  }

  /** The {@code PATCH /collections/{c}} body that applies {@link #changes}, if there are any. */
  public static Optional<ObjectNode> patch(JsonNode live, JsonNode backedUp) {
    if (changes(live, backedUp).isEmpty()) {
      return Optional.empty();
    }
    ObjectNode body = NODES.objectNode();
    ObjectNode params = body.putObject("params");
    for (String p : PARAMS) {
      JsonNode b = backedUp.path("params").path(p);
      if (!b.isMissingNode() && !b.isNull()) {
        params.set(p, b);
      }
    }
    ObjectNode sparse = NODES.objectNode();
    backedUp.path("params").path("sparse_vectors").fields().forEachRemaining(e -> sparse.set(e.getKey(), e.getValue()));
    if (!sparse.isEmpty()) {
      body.set("sparse_vectors", sparse);
    }
    copy(backedUp, "hnsw_config", body, "hnsw_config");
    JsonNode optimizers = backedUp.path("optimizer_config");
    if (optimizers.isObject()) {
      ObjectNode o = withoutNulls(optimizers);
      // null means "automatic" in the answer; the update spells that out.
      if (optimizers.has("max_optimization_threads") && optimizers.get("max_optimization_threads").isNull()) {
        o.put("max_optimization_threads", "auto");
      }
      body.set("optimizers_config", o);
    }
    JsonNode quantization = backedUp.path("quantization_config");
    body.set("quantization_config", quantization.isObject() ? quantization : TextNode.valueOf("Disabled"));
    copy(backedUp, "strict_mode_config", body, "strict_mode_config");
    copy(backedUp, "metadata", body, "metadata");
    return Optional.of(body);
  }

  /** Payload index changes, as people read them: field, live schema, backed-up schema. */
  public static List<String> indexChanges(JsonNode liveSchema, JsonNode backedUpSchema) {
    List<String> out = new ArrayList<>();
    Map<String, JsonNode> a = indexes(liveSchema);
    Map<String, JsonNode> b = indexes(backedUpSchema);
    TreeSet<String> fields = new TreeSet<>(a.keySet());
    fields.addAll(b.keySet());
    for (String f : fields) {
      if (!a.containsKey(f)) {
        out.add("payload index '" + f + "' will be created: " + b.get(f));
      } else if (!b.containsKey(f)) {
        out.add("payload index '" + f + "' will be dropped: " + a.get(f));
      } else if (!a.get(f).equals(b.get(f))) {
        out.add("payload index '" + f + "' will be rebuilt: " + a.get(f) + " -> " + b.get(f));
      }
    }
    return out;
  }

  /** Makes the live collection's payload indexes the backup's: creates, rebuilds and drops. */
  public static void syncIndexes(RestClient rest, String collection, JsonNode liveSchema, JsonNode backedUpSchema)
      throws IOException {
    Map<String, JsonNode> a = indexes(liveSchema);
    Map<String, JsonNode> b = indexes(backedUpSchema);
    for (Map.Entry<String, JsonNode> e : b.entrySet()) {
      if (!e.getValue().equals(a.get(e.getKey()))) {
        if (a.containsKey(e.getKey())) {
          rest.deleteIndex(collection, e.getKey());
        }
        rest.createIndex(collection, e.getKey(), fieldSchema(e.getValue()));
      }
    }
    for (String f : a.keySet()) {
      if (!b.containsKey(f)) {
        rest.deleteIndex(collection, f);
      }
    }
  }

  /** The body of {@code PUT /collections/{c}} that creates the backed-up collection (config, not indexes). */
  public static ObjectNode createBody(JsonNode backedUp) {
    ObjectNode body = NODES.objectNode();
    JsonNode params = backedUp.path("params");
    params.fields().forEachRemaining(e -> {
      if (!e.getValue().isNull()) {
        body.set(e.getKey(), e.getValue());
      }
    });
    copy(backedUp, "hnsw_config", body, "hnsw_config");
    copy(backedUp, "wal_config", body, "wal_config");
    if (backedUp.path("optimizer_config").isObject()) {
      body.set("optimizers_config", withoutNulls(backedUp.path("optimizer_config")));
    }
    copy(backedUp, "quantization_config", body, "quantization_config");
    copy(backedUp, "strict_mode_config", body, "strict_mode_config");
    copy(backedUp, "metadata", body, "metadata");
    return body;
  }

  /** {@code field -> {data_type, params}}: what identifies an index, without its live point count. */
  static Map<String, JsonNode> indexes(JsonNode schema) {
    Map<String, JsonNode> out = new TreeMap<>();
    schema.fields().forEachRemaining(e -> {
      ObjectNode id = NODES.objectNode();
      id.set("data_type", e.getValue().path("data_type"));
      if (e.getValue().hasNonNull("params")) {
        id.set("params", e.getValue().get("params"));
      }
      out.put(e.getKey(), id);
    });
    return out;
  }

  /** The {@code field_schema} of an index creation: its params (which name the type) or just its type. */
  static JsonNode fieldSchema(JsonNode index) {
    return index.hasNonNull("params") ? index.get("params") : index.path("data_type");
  }

  private static TreeSet<String> names(JsonNode map) {
    TreeSet<String> out = new TreeSet<>();
    map.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static boolean same(JsonNode a, JsonNode b) {
    return Objects.equals(withoutNulls(a), withoutNulls(b));
  }

  /** Missing, null and an object of nulls all mean "not set" in Qdrant's answers. */
  private static JsonNode withoutNullsOrMissing(JsonNode n) {
    return n == null || n.isMissingNode() || n.isNull() ? NODES.nullNode() : n;
  }

  private static ObjectNode withoutNulls(JsonNode n) {
    ObjectNode out = NODES.objectNode();
    if (n == null || !n.isObject()) {
      out.set("value", withoutNullsOrMissing(n));
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isNull()) {
        out.set(e.getKey(), e.getValue().isObject() ? withoutNulls(e.getValue()) : e.getValue());
      }
    }
    return out;
  }

  private static String text(JsonNode n) {
    return n == null || n.isMissingNode() || n.isNull() ? "(none)" : n.toString();
  }

  private static void copy(JsonNode from, String field, ObjectNode to, String as) {
    JsonNode v = from.path(field);
    if (!v.isMissingNode() && !v.isNull()) {
      to.set(as, v);
    }
  }
}
