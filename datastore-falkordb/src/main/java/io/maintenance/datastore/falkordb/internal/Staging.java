package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceSummary;
import io.maintenance.spi.RestoreContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a preview and a restore share: which graphs of a backup to restore, in which form, checked
 * against what the target can load, and each read and validated from its artifact (by a restore, into a
 * staging key).
 */
final class Staging {
  private final Server server;

  Staging(Server server) {
    this.server = server;
  }

  /** How one graph of a backup is restored. */
  sealed interface Source permits PhysicalSource, LogicalSource {
    ResourceSummary resource();

    default String graph() {
      return resource().name();
    }
  }

  record PhysicalSource(ResourceSummary resource, GraphMeta meta) implements Source {}

  record LogicalSource(ResourceSummary resource) implements Source {}

  /** What a restore of one graph will produce (read and validated from its artifact). */
  record Staged(Source source, GraphCounts counts, GraphSchema schema, String key, List<String> warnings) {}

  /** The graphs of the backup to restore: the selected ones, or all. */
  List<ResourceSummary> graphs(RestoreContext ctx) {
    Set<String> selected = ctx.resources();
    List<ResourceSummary> out = new ArrayList<>();
    for (ResourceSummary r : ctx.manifest().resources()) {
      if (Server.KIND.equals(r.kind()) && (selected.isEmpty() || selected.contains(r.name()))) {
        if (server.selector().reserved(r.name())) {
          // Our own staging/safety keys are never backed up; a manifest naming one is forged.
          throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + r.name()
              + "' uses the reserved prefix '" + server.settings().reservedPrefix() + "'", Map.of("graph", r.name()));
        }
        out.add(r);
      }
    }
    return out;
  }

  /** Which form of a graph the backup holds, checked against what the target can load. */
  Source source(FalkorConnection c, RestoreContext ctx, ResourceSummary r, Physical.Target[] target) throws IOException {
    String g = r.name();
    if (ctx.artifacts().find(Artifact.dumpName(g)).isPresent()) {
      GraphMeta meta = readMeta(ctx, g);
      if (target[0] == null) {
        target[0] = Physical.target(c, server.reserved("probe", ctx.requestId(), "encoding"));
      }
      Physical.Target t = target[0];
      if (meta.encodingVersion() > t.encodingVersion() || meta.rdbVersion() > t.rdbVersion()) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the physical backup was written by FalkorDB "
            + meta.falkordbVersion() + " (graph encoding " + meta.encodingVersion() + ", RDB " + meta.rdbVersion()
            + ") and this server reads up to graph encoding " + t.encodingVersion() + ", RDB " + t.rdbVersion()
            + "; restore it into the same or a newer FalkorDB, or take a logical backup (format=logical) to move to an older one",
            Map.of("graph", g, "artifact", Artifact.dumpName(g)));
      }
      if (t.maxPayload() > 0 && meta.payloadSize() > t.maxPayload()) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the physical backup is "
            + meta.payloadSize() + " bytes and this server takes strings up to " + t.maxPayload()
            + " (proto-max-bulk-len); raise it for the restore, or take a logical backup", Map.of("graph", g));
      }
      if (meta.renamed()) {
        requireFree(c, g, meta.payloadGraph());
      }
      if (!meta.counts().equals(new TreeMap<>(r.counts()))) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the artifact holds " + meta.counts()
            + " but the manifest records " + new TreeMap<>(r.counts()), Map.of("graph", g));
      }
      return new PhysicalSource(r, meta);
    }
    if (ctx.artifacts().find(Artifact.nameFor(g)).isPresent()) {
      return new LogicalSource(r);
    }
    throw new MaintenanceException(ErrorCode.ARTIFACT_MISSING, "graph '" + g + "': artifact '" + Artifact.dumpName(g) + "' (or '"
        + Artifact.nameFor(g) + "') is not in the backup", Map.of("graph", g, "artifact", Artifact.dumpName(g)));
  }

  /**
   * A payload carrying another name is decoded under that name first: no graph of the server may hold
   * it, except a leftover of ours in this database (an interrupted restore's), which the restore replaces.
   */
  private void requireFree(FalkorConnection c, String g, String payloadGraph) {
    boolean listed = c.graphList().contains(payloadGraph);
    boolean here = c.exists(payloadGraph);
    boolean leftover = listed && here && server.selector().reserved(payloadGraph);
    if ((listed || here) && !leftover) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the physical backup's payload is named '"
          + payloadGraph + "' inside and this server already holds a key of that name that is not a leftover of this plugin in "
          + "this database; delete or rename that graph, or restore from a logical backup",
          Map.of("graph", g, "payloadGraph", payloadGraph, "reason", "PAYLOAD_NAME_TAKEN"));
    }
  }

  GraphMeta readMeta(RestoreContext ctx, String g) throws IOException {
    String name = Artifact.metaName(g);
    GraphMeta[] meta = new GraphMeta[1];
    ArtifactReads.read(ctx, g, name, in -> meta[0] = GraphMeta.read(in, g));
    return meta[0];
  }

  Staged checkPhysical(RestoreContext ctx, PhysicalSource p, ContentDiff content) throws IOException {
    ArtifactReads.read(ctx, p.graph(), Artifact.dumpName(p.graph()), in -> checkScan(p, content == null ? Physical.scan(in)
        : DumpContent.read(new java.io.BufferedInputStream(in, 64 * 1024), content.backupSide())));
    return new Staged(p, counts(p.meta().counts()), p.meta().schema(), null, List.of());
  }

  static void checkScan(PhysicalSource p, Dump.Scan scan) {
    Physical.check(p.meta().payloadGraph(), scan.header(), counts(p.meta().counts()));
    if (scan.header().encodingVersion() != p.meta().encodingVersion() || scan.trailer().rdbVersion() != p.meta().rdbVersion()
        || scan.trailer().size() != p.meta().payloadSize()) {
      throw new ArtifactFormatException("the payload does not match its metadata");
    }
  }

  static GraphCounts counts(Map<String, Long> m) {
    GraphCounts c = new GraphCounts();
    m.forEach((k, v) -> {
      if (k.equals(GraphCounts.NODES)) {
        c.setNodes(v);
      } else if (k.equals(GraphCounts.EDGES)) {
        c.setEdges(v);
      } else if (k.startsWith("nodes:")) {
        c.setLabel(k.substring(6), v);
      } else if (k.startsWith("edges:")) {
        c.setType(k.substring(6), v);
      }
    });
    return c;
  }

  /**
   * Reads a logical artifact; with a connection, rebuilds the graph under {@code key}, otherwise only
   * validates it.
   */
  Staged load(FalkorConnection c, RestoreContext ctx, LogicalSource s, String key, ContentDiff content) throws IOException {
    String g = s.graph();
    Loader loader;
    try (IdMap ids = new IdMap(server.settings().tempDir());
        Loader l = new Loader(c, key, g, server.settings().batchSize(), ids, ctx.progress(),
            s.resource().counts().getOrDefault(GraphCounts.NODES, -1L), s.resource().counts().getOrDefault(GraphCounts.EDGES, -1L),
            content == null ? null : content.backupSide(), ctx::ensureActive)) {
      loader = l;
      ArtifactReads.read(ctx, g, Artifact.nameFor(g), in -> Artifact.read(in, g, l));
    }
    Map<String, Long> after = loader.counts().asMap();
    if (!after.equals(new TreeMap<>(s.resource().counts()))) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the artifact holds " + after
          + " but the manifest records " + new TreeMap<>(s.resource().counts()), Map.of("graph", g));
    }
    List<String> warnings = new ArrayList<>(loader.approximations().warnings());
    if (loader.schema().indexes().stream().anyMatch(i -> Boolean.TRUE.equals(i.options().get("phonetic")))) {
      warnings.add("graph '" + g + "': phonetic full-text fields are restored with the 'dm:en' matcher (the server does not "
          + "report which one was used)");
    }
    return new Staged(s, loader.counts(), loader.schema(), key, warnings);
  }
}
