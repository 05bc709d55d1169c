package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ItemChange;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.falkordb.internal.Staging.LogicalSource;
import io.maintenance.datastore.falkordb.internal.Staging.PhysicalSource;
import io.maintenance.datastore.falkordb.internal.Staging.Source;
import io.maintenance.datastore.falkordb.internal.Staging.Staged;
import io.maintenance.spi.RestoreContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The preview of a restore: every graph read and validated from its artifact, and the diff against the live graph. */
public final class Plan {
  private final Server server;

  public Plan(Server server) {
    this.server = server;
  }

  public DatastorePlan plan(RestoreContext ctx) throws IOException {
    Staging staging = new Staging(server);
    List<ResourceDiff> diffs = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Map<String, MaintenanceException> problems = new TreeMap<>();
    try (FalkorConnection c = server.connect()) {
      Physical.Target[] target = new Physical.Target[1];
      List<ResourceSummary> graphs = staging.graphs(ctx);
      SharedNames.requireOwn(c, server, graphs.stream().map(ResourceSummary::name).toList(), "restore");
      for (ResourceSummary r : graphs) {
        ctx.ensureActive();
        String g = r.name();
        try {
          Source source = staging.source(c, ctx, r, target);
          if (target[0] == null) {
            target[0] = Physical.target(c, server.reserved("probe", ctx.requestId(), "encoding"));
          }
          // The gross diff hashes both sides entity by entity; it needs a live graph the plugin can read from its DUMP.
          boolean gross = c.exists(g) && target[0].encodingVersion() == DumpContent.ENCODING
              && !(source instanceof PhysicalSource p && p.meta().encodingVersion() != DumpContent.ENCODING);
          try (ContentDiff content = gross ? new ContentDiff(server.settings().tempDir()) : null) {
            Staged staged = source instanceof PhysicalSource p ? staging.checkPhysical(ctx, p, content)
                : staging.load(null, ctx, (LogicalSource) source, null, content);
            diffs.add(diff(c, ctx, g, staged, warnings, content));
          }
        } catch (MaintenanceException e) {
          if (e.code() != ErrorCode.INCOMPATIBLE_ARTIFACT && e.code() != ErrorCode.ARTIFACT_MISSING
              && e.code() != ErrorCode.INTEGRITY_MISMATCH) {
            throw e;
          }
          problems.put(g, e);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw unrestorable(problems);
    }
    return new DatastorePlan(server.id(), Server.TYPE, diffs, warnings);
  }

  /**
   * One failure naming every graph that cannot be restored (code of the first), so that the user can
   * select the others: a bad graph never blocks the restore of the rest.
   */
  private static MaintenanceException unrestorable(Map<String, MaintenanceException> problems) {
    Map.Entry<String, MaintenanceException> first = problems.entrySet().iterator().next();
    if (problems.size() == 1) {
      MaintenanceException e = first.getValue();
      Map<String, String> details = new LinkedHashMap<>(e.details());
      details.put("graphs", first.getKey());
      return new MaintenanceException(e.code(), e.getMessage() + "; the other graphs can be restored by selecting them", details, e);
    }
    StringBuilder sb = new StringBuilder(problems.size() + " graphs cannot be restored (");
    problems.forEach((g, e) -> sb.append(e.getMessage()).append("; "));
    sb.setLength(sb.length() - 2);
    sb.append("); the other graphs can be restored by selecting them");
    return new MaintenanceException(first.getValue().code(), sb.toString(),
        Map.of("graph", first.getKey(), "graphs", String.join(",", problems.keySet())), first.getValue());
  }

  private ResourceDiff diff(FalkorConnection c, RestoreContext ctx, String g, Staged staged, List<String> warnings,
      ContentDiff content) throws IOException {
    Map<String, Long> after = staged.counts().asMap();
    boolean exists = c.exists(g);
    Map<String, Long> before = exists ? GraphOps.counts(c, g).asMap() : Map.of();
    GraphSchema liveSchema = exists ? GraphOps.schema(c, g) : GraphSchema.EMPTY;
    Set<String> metrics = new TreeSet<>(after.keySet());
    metrics.addAll(before.keySet());
    List<CountChange> changes = new ArrayList<>();
    for (String m : metrics) {
      changes.add(new CountChange(m, before.getOrDefault(m, 0L), after.getOrDefault(m, 0L)));
    }
    warnings.addAll(staged.warnings());
    long lost;
    List<ItemChange> items;
    if (!exists) {
      lost = 0;
      items = List.of();
    } else if (content != null) {
      Settings s = server.settings();
      // The DUMP and the queries that attribute lost entities to labels and types read the same state.
      ContentDiff.Result r = server.onDumpSource(c, g, "diff-copy", ctx.requestId(), source -> content.compare(c, source,
          server.reserved("diff", ctx.requestId(), g), s.socketTimeout(), s.tempDir(), before, after, s.readBatchSize()));
      lost = r.itemsLost();
      items = r.items();
    } else {
      lost = Math.max(0, before.getOrDefault(GraphCounts.NODES, 0L) - after.get(GraphCounts.NODES))
          + Math.max(0, before.getOrDefault(GraphCounts.EDGES, 0L) - after.get(GraphCounts.EDGES));
      items = List.of();
      warnings.add("graph '" + g + "': items lost are the drop in counts (this server's graph encoding cannot be read for an "
          + "entity-by-entity comparison)");
    }
    return new ResourceDiff(Server.KIND, g, exists ? ChangeKind.REPLACE : ChangeKind.CREATE, changes,
        GraphSchema.diff(liveSchema, staged.schema()), lost, items);
  }
}
