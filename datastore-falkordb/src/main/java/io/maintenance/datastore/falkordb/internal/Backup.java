package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceSummary;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A backup of the selected graphs: each as the server's DUMP (physical) or as a logical export. */
public final class Backup {
  private static final Logger LOG = LoggerFactory.getLogger(Backup.class);

  private final Server server;

  public Backup(Server server) {
    this.server = server;
  }

  public DatastoreBackup backup(BackupContext ctx) throws IOException {
    try (FalkorConnection c = server.connect()) {
      String version = server.version(c);
      Map<String, String> components = new TreeMap<>();
      List<ResourceSummary> resources = new ArrayList<>();
      Set<String> logicalFallback = new TreeSet<>();
      long approximate = 0;
      String firstApproximation = null;
      Physical.Target writtenBy = null;
      for (String g : server.selector().select(c.graphList())) {
        ctx.ensureActive();
        GraphCounts counts;
        GraphSchema schema;
        String component;
        if (server.settings().format() == Settings.Format.PHYSICAL && entities(c, g) <= server.settings().physicalLimit()) {
          Dumped dumped = server.onDumpSource(c, g, "backup-copy", ctx.backupId(), source -> dumpPhysical(c, ctx, g, source, version));
          writtenBy = dumped.writtenBy();
          counts = dumped.counts();
          schema = dumped.schema();
          component = dumped.component();
        } else {
          if (server.settings().format() == Settings.Format.PHYSICAL) {
            logicalFallback.add(g);
            LOG.warn("graph '{}' has more than {} nodes and edges: backed up logically (DUMP/RESTORE would hold the server too long)",
                g, server.settings().physicalLimit());
          }
          Exported e = exportLogical(c, ctx, g, version);
          counts = e.counts();
          schema = e.schema();
          component = e.component();
          if (e.approximations().count() > 0) {
            approximate += e.approximations().count();
            firstApproximation = firstApproximation != null ? firstApproximation : e.approximations().warnings().get(0);
          }
        }
        components.put(g, component);
        resources.add(new ResourceSummary(Server.KIND, g, counts.asMap()));
        LOG.info("backed up graph '{}': {} nodes, {} edges", g, counts.nodes(), counts.edges());
      }
      Map<String, String> metadata = new TreeMap<>();
      metadata.put("falkordb.version", version);
      metadata.put("falkordb.format", server.settings().format().name().toLowerCase(java.util.Locale.ROOT));
      if (writtenBy != null) {
        metadata.put("falkordb.encoding", Integer.toString(writtenBy.encodingVersion()));
        metadata.put("falkordb.rdb", Integer.toString(writtenBy.rdbVersion()));
      }
      if (!logicalFallback.isEmpty()) {
        metadata.put("falkordb.logical", String.join(",", logicalFallback));
      }
      if (approximate > 0) {
        // The backup succeeds; the values are named in the log and again by every preview of it.
        metadata.put("falkordb.warnings", approximate + " value(s) come back only approximately from this logical backup, e.g. "
            + firstApproximation + "; the physical format keeps them exactly");
      }
      return new DatastoreBackup(Fingerprint.of(components), resources, metadata);
    }
  }

  private record Dumped(GraphCounts counts, GraphSchema schema, Physical.Target writtenBy, String component) {}

  /**
   * Writes {@code g}'s payload and metadata from a DUMP of {@code source}: by default a private copy
   * (see {@link Server#onDumpSource}), whose payload then carries the copy's name, recorded in the
   * metadata so that a restore decodes it under that name and renames it into place.
   */
  private Dumped dumpPhysical(FalkorConnection c, BackupContext ctx, String g, String source, String version) throws IOException {
    Physical.Dumped d = Physical.dump(c, source, server.reserved("dump", ctx.backupId(), g), server.settings().socketTimeout());
    // The structure digest runs on a query thread while the payload streams, after the DUMP (never beside it).
    java.util.concurrent.CompletableFuture<String> structure = Fingerprints.structureAsync(server, source, d.snapshot().names());
    Physical.Copied copied;
    try (InputStream payload = d.payload();
        OutputStream out = ctx.artifacts().create(Artifact.dumpName(g), Dump.CONTENT_TYPE)) {
      copied = Physical.copy(source, d, out);
    } catch (ArtifactFormatException e) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + g + "': the server's DUMP cannot be restored: "
          + e.getMessage(), Map.of("graph", g), e);
    }
    GraphCounts counts = d.snapshot().counts();
    GraphSchema schema = d.snapshot().schema();
    GraphMeta meta = new GraphMeta(g, version, copied.writtenBy().encodingVersion(), copied.writtenBy().rdbVersion(),
        d.snapshot().payloadSize(), counts.asMap(), d.snapshot().names(), schema, source);
    try (OutputStream out = ctx.artifacts().create(Artifact.metaName(g), GraphMeta.CONTENT_TYPE)) {
      meta.write(out);
    }
    return new Dumped(counts, schema, copied.writtenBy(),
        Fingerprints.component(counts, schema, d.snapshot().names(), copied.content(), Fingerprints.join(structure)));
  }

  private record Exported(GraphCounts counts, GraphSchema schema, Approximations approximations, String component) {}

  private Exported exportLogical(FalkorConnection c, BackupContext ctx, String g, String version) throws IOException {
    String source = g;
    String snapshot = null;
    if (server.settings().snapshot()) {
      // A point-in-time copy, so that edges and nodes read in many queries belong together.
      snapshot = server.reserved("snapshot", ctx.backupId(), g);
      c.delete(snapshot);
      c.copy(g, snapshot);
      source = snapshot;
    }
    try {
      GraphSchema schema = GraphOps.schema(c, source);
      GraphCounts counts;
      Approximations approximations;
      Exporter exporter;
      try (OutputStream out = ctx.artifacts().create(Artifact.nameFor(g), Artifact.CONTENT_TYPE)) {
        exporter = new Exporter(c, server::connect, source, g, server.settings().readBatchSize(), ctx.progress(), server.settings().tempDir(),
            ctx::ensureActive);
        counts = exporter.export(out, version, schema);
        approximations = exporter.approximations();
      }
      approximations.warnings().forEach(w -> LOG.warn("{}", w));
      return new Exported(counts, schema, approximations, Fingerprints.component(counts, schema, exporter.names(),
          exporter.content().digest(), exporter.structure()));
    } finally {
      if (snapshot != null) {
        c.delete(snapshot);
      }
    }
  }

  private static long entities(FalkorConnection c, String g) {
    return c.readOnly(g, "MATCH (n) RETURN count(n)", Map.of()).singleLong()
        + c.readOnly(g, "MATCH ()-[e]->() RETURN count(e)", Map.of()).singleLong();
  }
}
