package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The small JSON artifact written beside each collection snapshot ({@code <collection>.qdrant.json}):
 * what the snapshot holds (exact points, config in canonical form, payload indexes), what it does not
 * (aliases live outside collection snapshots) and Qdrant's checksum of the snapshot.
 *
 * @param format version of this artifact's layout
 * @param serverVersion version of the Qdrant that made the snapshot
 * @param snapshot the server-side snapshot as Qdrant described it (name, size, its SHA-256)
 * @param restInfo {@code GET /collections/{c}} as the server answered it, for people and tools
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CollectionRecord(
    int format,
    String collection,
    String serverVersion,
    String snapshotArtifact,
    Snapshot snapshot,
    long points,
    String configHash,
    SortedMap<String, String> vectors,
    SortedMap<String, String> sparseVectors,
    SortedMap<String, String> payloadSchema,
    String settings,
    List<String> aliases,
    JsonNode restInfo) {
  public static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Qdrant's description of the snapshot it made. */
  public record Snapshot(String name, long size, String sha256) {}

  public static CollectionRecord of(String serverVersion, String snapshotArtifact, SnapshotInfo snapshot, String sha256,
      CollectionState state, JsonNode restInfo) {
    return new CollectionRecord(FORMAT, state.name(), serverVersion, snapshotArtifact,
        new Snapshot(snapshot.name(), snapshot.size(), sha256), state.points(), state.configHash(), state.vectors(),
        state.sparseVectors(), state.payloadSchema(), state.settings(), state.aliases(), restInfo);
  }

  /** The collection as it was backed up, in the form live collections are compared in. */
  public CollectionState state() {
    return new CollectionState(collection, points, vectors, sparseVectors, payloadSchema, settings, aliases);
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
    if (r.format() != FORMAT) {
      throw bad(artifact, "has format " + r.format() + "; this plugin reads format " + FORMAT);
    }
    if (r.collection() == null || r.snapshot() == null || r.snapshotArtifact() == null || r.serverVersion() == null
        || r.snapshot().sha256() == null || !r.snapshot().sha256().matches("[0-9a-f]{64}") || r.points() < 0) {
      throw bad(artifact, "misses the collection name, snapshot, checksum, server version or point count");
    }
    Names.collection(r.collection());
    (r.aliases() == null ? List.<String>of() : r.aliases()).forEach(Names::collection);
    try {
      ServerVersion.parse(r.serverVersion());
    } catch (IllegalArgumentException e) {
      throw bad(artifact, e.getMessage());
    }
    return new CollectionRecord(r.format(), r.collection(), r.serverVersion(), r.snapshotArtifact(), r.snapshot(), r.points(),
        r.configHash(), orEmpty(r.vectors()), orEmpty(r.sparseVectors()), orEmpty(r.payloadSchema()),
        r.settings() == null ? "" : r.settings(), r.aliases() == null ? List.of() : r.aliases(), r.restInfo());
  }

  private static SortedMap<String, String> orEmpty(SortedMap<String, String> m) {
    return m == null ? new TreeMap<>() : m;
  }

  private static MaintenanceException bad(String artifact, String problem) {
    return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "artifact '" + artifact + "' " + problem,
        Map.of("artifact", artifact));
  }
}
