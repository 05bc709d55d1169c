package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.qdrant.DriftCheck;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The small JSON artifact written beside a collection's snapshots ({@code <collection>.qdrant.json}):
 * how the collection was snapshotted (one collection snapshot, or one snapshot per shard of a
 * distributed collection with the peer each came from), Qdrant's release, the exact point count, the
 * config in canonical form, payload indexes, aliases (not part of Qdrant snapshots) and, when the drift
 * check reads points, their digest.
 *
 * @param format version of this artifact's layout (1: one collection snapshot, no shards, no digest)
 * @param serverVersion release of the Qdrant that made the snapshots, from its health check
 * @param layout {@link #COLLECTION} or {@link #SHARDS}
 * @param snapshots the snapshots, in shard order
 * @param shardPointsIdle whether the per-shard point counts were read while the collection was idle,
 *     so that they are exact
 * @param content the points' digest and what it covers, or null
 * @param restInfo {@code GET /collections/{c}} as the server answered it (also what a distributed
 *     collection is created from on restore)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CollectionRecord(
    int format,
    String collection,
    String serverVersion,
    String layout,
    List<Snap> snapshots,
    long points,
    String configHash,
    SortedMap<String, String> vectors,
    SortedMap<String, String> sparseVectors,
    SortedMap<String, String> payloadSchema,
    String settings,
    List<String> aliases,
    Boolean shardPointsIdle,
    Content content,
    JsonNode restInfo,
    // format 1 only
    String snapshotArtifact,
    Snap snapshot) {
  public static final int FORMAT = 2;
  public static final String COLLECTION = "collection";
  public static final String SHARDS = "shards";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One snapshot as Qdrant described it, and where it is stored.
   *
   * @param shard the shard it holds, null for a collection snapshot
   * @param peer the peer it was taken on (shard snapshots)
   * @param points the shard's point count on that peer when it was taken (shard snapshots)
   * @param checksumBy {@code qdrant} when Qdrant reported the SHA-256 and the download matched it,
   *     {@code plugin} when Qdrant keeps no checksum (S3 snapshot storage) and only the size was checked
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Snap(Integer shard, String artifact, String name, long size, String sha256, String checksumBy, Long peer,
      Long points) {}

  /** A digest of every point ({@link DriftCheck#PAYLOADS}: ids and payloads; {@link DriftCheck#POINTS}: also vectors). */
  public record Content(String check, String digest) {}

  public static CollectionRecord of(String serverVersion, String layout, List<Snap> snapshots, CollectionState state,
      Boolean shardPointsIdle, JsonNode restInfo) {
    return new CollectionRecord(FORMAT, state.name(), serverVersion, layout, snapshots, state.points(), state.configHash(),
        state.vectors(), state.sparseVectors(), state.payloadSchema(), state.settings(), state.aliases(), shardPointsIdle,
        state.content().map(d -> new Content(d.check().key(), d.digest())).orElse(null), restInfo, null, null);
  }

  public boolean sharded() {
    return SHARDS.equals(layout);
  }

  /** The collection as it was backed up, in the form live collections are compared in. */
  public CollectionState state() {
    return new CollectionState(collection, points, vectors, sparseVectors, payloadSchema, settings, aliases,
        content == null ? java.util.Optional.empty()
            : java.util.Optional.of(new ContentDigest.Result(DriftCheck.parse(content.check()), content.digest())));
  }

  public void write(OutputStream out) throws IOException {
    JSON.writeValue(out, this);
  }

  /** Parses and validates a record read from storage; anything malformed is {@code INCOMPATIBLE_ARTIFACT}. */
  public static CollectionRecord read(String artifact, InputStream in) throws IOException {
    CollectionRecord r;
    try {
      r = JSON.readValue(in, CollectionRecord.class);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw bad(artifact, "is not a valid collection record: " + e.getOriginalMessage());
    }
    if (r.format() == 1 && r.snapshot() != null) {
      // Format 1 held one collection snapshot whose SHA-256 Qdrant had reported.
      Snap s = r.snapshot();
      r = new CollectionRecord(1, r.collection(), r.serverVersion(), COLLECTION,
          List.of(new Snap(null, r.snapshotArtifact(), s.name(), s.size(), s.sha256(), "qdrant", null, null)), r.points(),
          r.configHash(), r.vectors(), r.sparseVectors(), r.payloadSchema(), r.settings(), r.aliases(), null, null,
          r.restInfo(), null, null);
    } else if (r.format() != FORMAT) {
      throw bad(artifact, "has format " + r.format() + "; this plugin reads formats 1 and " + FORMAT);
    }
    if (r.collection() == null || r.serverVersion() == null || r.points() < 0 || r.snapshots() == null
        || r.snapshots().isEmpty() || !(COLLECTION.equals(r.layout()) || SHARDS.equals(r.layout()))) {
      throw bad(artifact, "misses the collection name, layout, snapshots, server version or point count");
    }
    for (int i = 0; i < r.snapshots().size(); i++) {
      Snap s = r.snapshots().get(i);
      boolean shardOk = r.sharded() ? s.shard() != null && s.shard() == i : s.shard() == null && r.snapshots().size() == 1;
      if (!shardOk || s.artifact() == null || s.sha256() == null || !s.sha256().matches("[0-9a-f]{64}") || s.size() < 0) {
        throw bad(artifact, "lists snapshot " + i + " without its shard, artifact or SHA-256, or out of shard order");
      }
    }
    if (r.restInfo() == null || !r.restInfo().path("config").path("params").isObject()) {
      throw bad(artifact, "misses the collection's config");
    }
    if (r.content() != null) {
      try {
        DriftCheck.parse(r.content().check());
      } catch (IllegalArgumentException e) {
        throw bad(artifact, "has an unknown content check: " + e.getMessage());
      }
    }
    Names.collection(r.collection());
    (r.aliases() == null ? List.<String>of() : r.aliases()).forEach(Names::collection);
    try {
      ServerVersion.parse(r.serverVersion());
    } catch (IllegalArgumentException e) {
      throw bad(artifact, e.getMessage());
    }
    return new CollectionRecord(r.format(), r.collection(), r.serverVersion(), r.layout(), List.copyOf(r.snapshots()),
        r.points(), r.configHash(), orEmpty(r.vectors()), orEmpty(r.sparseVectors()), orEmpty(r.payloadSchema()),
        r.settings() == null ? "" : r.settings(), r.aliases() == null ? List.of() : r.aliases(), r.shardPointsIdle(),
        r.content(), r.restInfo(), null, null);
  }

  private static SortedMap<String, String> orEmpty(SortedMap<String, String> m) {
    return m == null ? new TreeMap<>() : m;
  }

  static MaintenanceException bad(String artifact, String problem) {
    return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "artifact '" + artifact + "' " + problem,
        Map.of("artifact", artifact));
  }
}
