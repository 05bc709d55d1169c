package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.falkordb.internal.Staging.LogicalSource;
import io.maintenance.datastore.falkordb.internal.Staging.PhysicalSource;
import io.maintenance.datastore.falkordb.internal.Staging.Source;
import io.maintenance.datastore.falkordb.internal.Staging.Staged;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore: every graph staged, then swapped into place with the original kept under a safety key,
 * verified, and the originals put back if anything failed.
 */
public final class Restore {
  private static final Logger LOG = LoggerFactory.getLogger(Restore.class);

  private final Server server;

  public Restore(Server server) {
    this.server = server;
  }

  public RestoreOutcome restore(RestoreContext ctx) throws IOException {
    return restore(ctx, RestoreHooks.NONE);
  }

  /**
   * Stages every graph (a physical payload in a temporary key, decoded into a graph of its own name when
   * it carries a copy's, or a logical export rebuilt into a staging graph; nothing live is touched while artifacts stream in and are verified), then swaps
   * each into place, keeping the original under a safety key, verifies the result, and puts the
   * originals back if anything failed.
   */
  public RestoreOutcome restore(RestoreContext ctx, RestoreHooks hooks) throws IOException {
    Staging staging = new Staging(server);
    String tag = ctx.requestId();
    List<Staged> staged = new ArrayList<>();
    try (FalkorConnection c = server.connect()) {
      server.version(c);
      List<ResourceSummary> graphs = staging.graphs(ctx);
      SharedNames.requireOwn(c, server, graphs.stream().map(ResourceSummary::name).toList(), "restore");
      Physical.Target[] target = new Physical.Target[1];
      try {
        for (ResourceSummary r : graphs) {
          ctx.ensureActive();
          Source source = staging.source(c, ctx, r, target);
          String key = server.reserved("staging", tag, r.name());
          c.delete(key);
          if (source instanceof PhysicalSource p && p.meta().renamed()) {
            // Decoded under the name inside the payload (checked free, or a leftover of ours), renamed into place by the swap.
            String decoded = p.meta().payloadGraph();
            c.delete(decoded);
            staged.add(new Staged(p, Staging.counts(p.meta().counts()), p.meta().schema(), decoded, List.of()));
            try {
              ArtifactReads.read(ctx, p.graph(), Artifact.dumpName(p.graph()), in -> Staging.checkScan(p, Physical.stage(c, in, key)));
              Physical.restoreStaged(c, decoded, key);
            } finally {
              Physical.deleteQuietly(c, key);
            }
          } else if (source instanceof PhysicalSource p) {
            Staged s = new Staged(p, Staging.counts(p.meta().counts()), p.meta().schema(), key, List.of());
            staged.add(s);
            ArtifactReads.read(ctx, p.graph(), Artifact.dumpName(p.graph()), in -> Staging.checkScan(p, Physical.stage(c, in, key)));
          } else {
            staged.add(new Staged(source, null, null, key, List.of()));
            Staged s = staging.load(c, ctx, (LogicalSource) source, key, null);
            staged.set(staged.size() - 1, s);
            GraphOps.create(c, key, s.schema());
            GraphCounts built = GraphOps.counts(c, key);
            if (!built.equals(s.counts())) {
              throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + r.name() + "': the staged copy holds " + built
                  + " instead of " + s.counts(), Map.of("graph", r.name()));
            }
          }
        }
        ctx.ensureActive();
      } catch (RuntimeException | IOException e) {
        for (Staged s : staged) {
          removeStaged(c, s);
        }
        throw e;
      }
      swap(c, tag, staged, hooks);
      List<ResourceSummary> found = new ArrayList<>();
      for (Staged s : staged) {
        String g = s.source().graph();
        Map<String, Long> counts = new TreeMap<>(GraphOps.counts(c, g).asMap());
        // Labels and types the plan listed that no longer exist are reported as 0.
        ctx.approvedPlan().ifPresent(p -> p.resources().stream().filter(d -> d.name().equals(g))
            .forEach(d -> d.counts().forEach(cc -> counts.putIfAbsent(cc.metric(), 0L))));
        found.add(new ResourceSummary(Server.KIND, g, counts));
      }
      return new RestoreOutcome(found, List.of());
    }
  }

  private static void removeStaged(FalkorConnection c, Staged s) {
    if (s.key() != null) {
      deleteQuietly(c, s.key());
    }
  }

  private void swap(FalkorConnection c, String tag, List<Staged> staged, RestoreHooks hooks) {
    Map<String, Boolean> swapped = new LinkedHashMap<>();
    try {
      for (Staged s : staged) {
        String g = s.source().graph();
        String safety = server.reserved("safety", tag, g);
        boolean existed = s.source() instanceof PhysicalSource p && !p.meta().renamed()
            ? Physical.swap(c, g, s.key(), safety)
            : Physical.swapStaged(c, g, s.key(), safety);
        swapped.put(g, existed);
        hooks.afterSwap(g);
      }
      for (Staged s : staged) {
        String g = s.source().graph();
        c.awaitIndexes(g, true);
        GraphCounts live = GraphOps.counts(c, g);
        GraphSchema schema = GraphOps.schema(c, g);
        if (!live.equals(s.counts()) || !schema.describe().equals(s.schema().describe())) {
          throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + g + "': the restored graph holds " + live
              + " instead of " + s.counts(), Map.of("graph", g));
        }
      }
    } catch (RuntimeException e) {
      List<String> kept = putBack(c, tag, swapped);
      for (Staged s : staged) {
        removeStaged(c, s);
      }
      if (!kept.isEmpty()) {
        LOG.error("restore failed and the originals could not all be put back; safety copies kept: {}", kept);
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "restore failed (" + e.getMessage()
            + ") and putting the original graphs back failed too; their safety copies are kept as " + kept,
            Map.of("safetyCopies", String.join(",", kept)), e);
      }
      throw e instanceof MaintenanceException me ? me
          : new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "restore failed and was rolled back: " + e.getMessage(), e);
    }
    if (!server.settings().keepSafetyCopy()) {
      swapped.forEach((g, existed) -> {
        if (existed) {
          deleteQuietly(c, server.reserved("safety", tag, g));
        }
      });
    }
  }

  /** Puts every swapped graph back as it was; returns the safety keys it could not restore from. */
  private List<String> putBack(FalkorConnection c, String tag, Map<String, Boolean> swapped) {
    List<String> kept = new ArrayList<>();
    List<String> graphs = new ArrayList<>(swapped.keySet());
    java.util.Collections.reverse(graphs);
    for (String g : graphs) {
      String safety = server.reserved("safety", tag, g);
      try {
        Physical.putBack(c, g, safety, swapped.get(g));
      } catch (RuntimeException e) {
        LOG.error("could not put graph '{}' back: {}", g, e.getMessage());
        if (swapped.get(g)) {
          kept.add(safety);
        }
      }
    }
    return kept;
  }

  private static void deleteQuietly(FalkorConnection c, String key) {
    try {
      c.delete(key);
    } catch (RuntimeException e) {
      LOG.warn("could not delete '{}': {}", key, e.getMessage());
    }
  }
}
