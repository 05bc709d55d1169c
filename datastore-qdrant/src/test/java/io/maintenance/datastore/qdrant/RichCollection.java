package io.maintenance.datastore.qdrant;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * A collection with everything a restore must bring back, written through Qdrant's REST API: named dense
 * vectors (Cosine and Dot), a sparse vector, scalar quantization, a non-default HNSW config, payload
 * indexes (keyword, integer, and float on a nested key), nested JSON payloads with every JSON kind,
 * numeric and UUID point ids, and an alias.
 */
final class RichCollection {
  static final List<String> GENRES = List.of("essay", "novel", "poem", "manual", "letter");

  private RichCollection() {}

  static void create(QdrantHttp http, String name, int shards, int replication) throws Exception {
    http.send("DELETE", "collections/" + name, null);
    http.call("PUT", "collections/" + name + "?wait=true", QdrantHttp.JSON.readTree("""
        {"vectors": {"text": {"size": 8, "distance": "Cosine"}, "image": {"size": 4, "distance": "Dot", "on_disk": true}},
         "sparse_vectors": {"keywords": {"modifier": "idf"}},
         "shard_number": %d, "replication_factor": %d,
         "hnsw_config": {"m": 20, "ef_construct": 80},
         "optimizers_config": {"indexing_threshold": 20000},
         "quantization_config": {"scalar": {"type": "int8", "quantile": 0.99, "always_ram": true}}}
        """.formatted(shards, replication)));
    index(http, name, "genre", "\"keyword\"");
    index(http, name, "year", "{\"type\": \"integer\", \"range\": true, \"lookup\": false}");
    index(http, name, "meta.rating", "\"float\"");
    http.call("POST", "collections/aliases", QdrantHttp.JSON.readTree(
        "{\"actions\": [{\"create_alias\": {\"collection_name\": \"" + name + "\", \"alias_name\": \"" + name + "-live\"}}]}"));
  }

  private static void index(QdrantHttp http, String name, String field, String schema) throws Exception {
    http.call("PUT", "collections/" + name + "/index?wait=true",
        QdrantHttp.JSON.readTree("{\"field_name\": \"" + field + "\", \"field_schema\": " + schema + "}"));
  }

  /** Upserts points {@code from .. from+count-1} (ids: even numbers as numbers, odd ones as UUIDs), in batches. */
  static void upsert(QdrantHttp http, String name, int from, int count) throws Exception {
    int batch = 2000;
    for (int start = from; start < from + count; start += batch) {
      ArrayNode points = QdrantHttp.array();
      for (int i = start; i < Math.min(from + count, start + batch); i++) {
        points.add(point(i));
      }
      ObjectNode body = QdrantHttp.JSON.createObjectNode();
      body.set("points", points);
      // Qdrant applies updates in order: waiting for the last batch waits for all.
      boolean last = start + batch >= from + count;
      http.call("PUT", "collections/" + name + "/points?wait=" + last, body);
    }
  }

  static Object id(int i) {
    return i % 2 == 0 ? (Object) (long) i : UUID.nameUUIDFromBytes(("point-" + i).getBytes()).toString();
  }

  private static ObjectNode point(int i) {
    SplittableRandom r = new SplittableRandom(i);
    ObjectNode p = QdrantHttp.JSON.createObjectNode();
    Object id = id(i);
    if (id instanceof Long l) {
      p.put("id", l);
    } else {
      p.put("id", (String) id);
    }
    ObjectNode vector = p.putObject("vector");
    ArrayNode text = vector.putArray("text");
    for (int d = 0; d < 8; d++) {
      text.add((float) r.nextDouble(-1, 1));
    }
    ArrayNode image = vector.putArray("image");
    for (int d = 0; d < 4; d++) {
      image.add((float) r.nextDouble(0, 10));
    }
    if (i % 3 != 0) {
      ObjectNode sparse = vector.putObject("keywords");
      ArrayNode indices = sparse.putArray("indices");
      ArrayNode values = sparse.putArray("values");
      int at = r.nextInt(50);
      for (int k = 0; k < 1 + i % 4; k++) {
        indices.add(at);
        values.add((float) r.nextDouble(0, 3));
        at += 1 + r.nextInt(20);
      }
    }
    ObjectNode payload = p.putObject("payload");
    payload.put("title", "Document " + i + " \u201cquoted\u201d \u00e9t\u00e9");
    payload.put("genre", GENRES.get(i % GENRES.size()));
    payload.put("year", 1900 + i % 125);
    payload.put("flag", i % 2 == 0);
    ObjectNode meta = payload.putObject("meta");
    meta.put("rating", Math.round(r.nextDouble(0, 5) * 100) / 100.0);
    meta.putArray("tags").add("t" + i % 7).add("t" + i % 11);
    ObjectNode nested = meta.putObject("nested");
    nested.putNull("none");
    nested.putArray("deep").add(i).addObject().put("x", "y" + i).putNull("z");
    if (i % 5 == 0) {
      payload.putNull("missing");
    }
    return p;
  }

  /** Deletes points, changes payloads and drops the alias: what a restore must undo. */
  static void wreck(QdrantHttp http, String name, int deletions) throws Exception {
    ArrayNode ids = QdrantHttp.array();
    for (int i = 0; i < deletions; i++) {
      Object id = id(i * 7);
      if (id instanceof Long l) {
        ids.add(l);
      } else {
        ids.add((String) id);
      }
    }
    ObjectNode delete = QdrantHttp.JSON.createObjectNode();
    delete.set("points", ids);
    http.call("POST", "collections/" + name + "/points/delete?wait=true", delete);
    http.call("POST", "collections/" + name + "/points/payload?wait=true", QdrantHttp.JSON.readTree(
        "{\"payload\": {\"genre\": \"vandalised\", \"meta\": {\"rating\": -1}}, \"filter\": {\"must\": [{\"key\": \"year\", "
            + "\"range\": {\"gte\": 1990}}]}}"));
    http.call("POST", "collections/aliases", QdrantHttp.JSON.readTree(
        "{\"actions\": [{\"delete_alias\": {\"alias_name\": \"" + name + "-live\"}}]}"));
  }
}
