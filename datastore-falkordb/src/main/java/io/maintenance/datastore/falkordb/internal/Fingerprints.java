package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.Fingerprint;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The fingerprint of the selected graphs (what drift detection compares between preview and confirm). */
public final class Fingerprints {
  private final Server server;

  public Fingerprints(Server server) {
    this.server = server;
  }

  public Fingerprint fingerprint(Set<String> resources) {
    try (FalkorConnection c = server.connect()) {
      Set<String> graphs = resources.isEmpty() ? new TreeSet<>(server.selector().select(c.graphList())) : new TreeSet<>(resources);
      Map<String, String> components = new TreeMap<>();
      for (String g : graphs) {
        components.put(g, c.exists(g) ? contentFingerprint(c, g) : "absent");
      }
      return Fingerprint.of(components);
    }
  }

  /**
   * Counts, schema and names (read in the same transaction as a DUMP), a SHA-256 of every node and
   * edge with its properties from that DUMP, and sums over the ids of each label's nodes and each
   * type's edges with their endpoints (the structure, which the DUMP keeps in matrices that are not
   * byte-for-byte reproducible). Any property edit, new, deleted, relabelled or reconnected entity
   * changes it.
   */
  private String contentFingerprint(FalkorConnection c, String g) {
    String operation = java.util.UUID.randomUUID().toString();
    try {
      return server.onDumpSource(c, g, "fingerprint-copy", operation, source -> contentFingerprint(c, g, source, operation));
    } catch (IOException e) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + g + "': cannot read its DUMP: " + e.getMessage(),
          Map.of("graph", g), e);
    }
  }

  /** {@code g}'s component read from {@code source}: {@code g} itself or a private copy of it. */
  private String contentFingerprint(FalkorConnection c, String g, String source, String operation) throws IOException {
    Physical.Dumped d = Physical.dump(c, source, server.reserved("fingerprint", operation, g), server.settings().socketTimeout());
    java.util.concurrent.CompletableFuture<String> structure = structureAsync(server, source, d.snapshot().names());
    String content;
    try (InputStream payload = d.payload()) {
      ContentHash hash = new ContentHash(null, null);
      try {
        DumpContent.read(new java.io.BufferedInputStream(payload, 64 * 1024), hash);
        content = hash.digest();
      } catch (ArtifactFormatException e) {
        content = "unreadable"; // another graph encoding: counts, schema, names and structure still count
      }
    }
    return component(d.snapshot().counts(), d.snapshot().schema(), d.snapshot().names(), content, join(structure));
  }

  /**
   * The structure digest (see {@link GraphOps#structure}), read on a second connection while the payload
   * streams. Start it only after the graph's {@code DUMP} returned, never beside it: FalkorDB's
   * {@code DUMP} (run on the main thread under the graph's read lock only) unloads every matrix into a
   * container and loads it back, so a query reading the same graph on a query thread meanwhile sees
   * empty or half-unloaded matrices: wrong degree sums, or the server dies with SIGSEGV in
   * {@code Tensor_ColDegree} (FalkorDB 4.16, {@code encode_matrix.c}; docs/datastore-falkordb.md).
   */
  static java.util.concurrent.CompletableFuture<String> structureAsync(Server server, String g, GraphNames names) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try (FalkorConnection other = server.connect()) {
        return GraphOps.structure(other, g, names);
      }
    });
  }

  static String join(java.util.concurrent.CompletableFuture<String> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** One graph's fingerprint component; a backup records the same for what it wrote. */
  static String component(GraphCounts counts, GraphSchema schema, GraphNames names, String content, String structure) {
    return GraphOps.fingerprint(counts, schema) + " names=" + io.maintenance.spi.support.Digests.sha256Hex(names.toString())
        + " content=" + content + " structure=" + structure;
  }
}
