package io.maintenance.datastore.qdrant.internal;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the plugin compares of a collection, in canonical (sorted, textual) form so that a backup's
 * record and the live collection can be diffed and hashed the same way.
 *
 * @param vectors dense vector params per vector name ({@code ""} for the unnamed vector)
 * @param sparseVectors sparse vector params per name
 * @param payloadSchema payload index type (and params) per field
 * @param settings the remaining collection config (shards, replication, HNSW, optimizers, quantization)
 * @param aliases aliases pointing at the collection, sorted
 * @param content the digest of the points, when the drift check reads them
 */
public record CollectionState(
    String name,
    long points,
    SortedMap<String, String> vectors,
    SortedMap<String, String> sparseVectors,
    SortedMap<String, String> payloadSchema,
    String settings,
    List<String> aliases,
    Optional<ContentDigest.Result> content) {
  public CollectionState {
    Objects.requireNonNull(name, "name");
    vectors = new TreeMap<>(vectors);
    sparseVectors = new TreeMap<>(sparseVectors);
    payloadSchema = new TreeMap<>(payloadSchema);
    Objects.requireNonNull(settings, "settings");
    aliases = aliases.stream().sorted().toList();
    Objects.requireNonNull(content, "content");
  }

  /** SHA-256 of the whole config (vectors, sparse vectors, payload indexes, settings); counts and aliases excluded. */
  public String configHash() {
    StringBuilder sb = new StringBuilder();
    vectors.forEach((k, v) -> sb.append("vector ").append(k).append(": ").append(v).append('\n'));
    sparseVectors.forEach((k, v) -> sb.append("sparse ").append(k).append(": ").append(v).append('\n'));
    payloadSchema.forEach((k, v) -> sb.append("index ").append(k).append(": ").append(v).append('\n'));
    sb.append("settings: ").append(settings).append('\n');
    return io.maintenance.spi.support.Digests.sha256Hex(sb.toString());
  }

  /** The fingerprint component: exact count, config hash, aliases and, if read, the points' digest. */
  public String fingerprint() {
    return "points=" + points + ";config=" + configHash() + ";aliases=" + String.join(",", aliases)
        + content.map(c -> ";" + c.check().key() + "=" + c.digest()).orElse("");
  }

  public Map<String, Long> counts() {
    return Map.of("points", points);
  }
}
