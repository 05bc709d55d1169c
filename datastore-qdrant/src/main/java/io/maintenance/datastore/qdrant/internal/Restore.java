package io.maintenance.datastore.qdrant.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.qdrant.DriftCheck;
import io.maintenance.datastore.qdrant.internal.CollectionRecord.Snap;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A restore: the preview's checks again, every snapshot but the first verified, then each collection applied in turn. */
public final class Restore {
  private final Server server;
  private final RestoreChecks checks;

  public Restore(Server server) {
    this.server = server;
    this.checks = new RestoreChecks(server);
  }

  public RestoreOutcome restore(RestoreContext ctx) {
    List<CollectionRecord> records;
    ServerVersion target;
    Topology topology;
    try {
      records = RestoreChecks.records(ctx);
      target = server.targetVersion();
      topology = Topology.discover(server.settings(), server.main());
      Targets t = server.targets();
      for (CollectionRecord r : records) {
        RestoreChecks.gate(r, target);
        r.snapshots().forEach(s -> RestoreChecks.snapshotArtifact(ctx.artifacts(), r, s));
        checks.check(r, t, topology);
      }
    } catch (IOException e) {
      throw QdrantErrors.of("preparing the Qdrant restore", e);
    }
    preverify(ctx, records);
    List<String> warnings = new ArrayList<>();
    records.forEach(r -> RestoreChecks.versionWarning(r, target).map(w -> w.replace("and is restored", "and was restored"))
        .ifPresent(warnings::add));
    CollectionRestore restore = new CollectionRestore(server.settings(), server.main(), server.grpc(), topology, ctx, warnings);
    List<ResourceSummary> found = new ArrayList<>();
    List<String> restored = new ArrayList<>();
    for (CollectionRecord r : records) {
      try {
        ctx.ensureActive();
        found.add(new ResourceSummary("collection", r.collection(), restore.apply(r).counts()));
        restored.add(r.collection());
      } catch (IOException | RuntimeException e) {
        throw failed(r, records, restored, e);
      }
    }
    return new RestoreOutcome(found, warnings);
  }

  /**
   * A snapshot altered after the preview must not leave collections before it restored: every snapshot
   * but the first is read through its checksum before anything is uploaded. (The first is checked while
   * it streams, and by Qdrant against the checksum parameter, before Qdrant touches the collection.)
   */
  private static void preverify(RestoreContext ctx, List<CollectionRecord> records) {
    List<Map.Entry<CollectionRecord, Snap>> all = new ArrayList<>();
    records.forEach(r -> r.snapshots().forEach(s -> all.add(Map.entry(r, s))));
    for (Map.Entry<CollectionRecord, Snap> e : all.subList(Math.min(1, all.size()), all.size())) {
      ctx.ensureActive();
      ArtifactInfo artifact = RestoreChecks.snapshotArtifact(ctx.artifacts(), e.getKey(), e.getValue());
      try (InputStream in = ctx.artifacts().openRaw(artifact.name())) {
        in.transferTo(OutputStream.nullOutputStream());
      } catch (IOException ex) {
        throw QdrantErrors.of("verifying snapshot '" + artifact.name() + "' before the restore", ex);
      }
      ctx.progress().onProgress("collection " + e.getKey().collection() + ": snapshot " + artifact.name() + " verified",
          artifact.size(), artifact.size());
    }
  }

  /** The error of a failed restore: the server's message, what is restored, and the failed collection's state now. */
  private MaintenanceException failed(CollectionRecord r, List<CollectionRecord> all, List<String> restored, Throwable e) {
    MaintenanceException base = QdrantErrors.of("restoring collection '" + r.collection() + "'", e);
    String state = describeState(r.collection());
    List<String> pending = all.stream().map(CollectionRecord::collection)
        .filter(c -> !restored.contains(c) && !c.equals(r.collection())).toList();
    Map<String, String> details = new LinkedHashMap<>(base.details());
    details.put("collection", r.collection());
    details.put("collectionState", state);
    details.put("restored", String.join(",", restored));
    details.put("notAttempted", String.join(",", pending));
    String message = base.getMessage() + ". Collection '" + r.collection() + "' is now " + state
        + (restored.isEmpty() ? "" : "; already restored: " + restored)
        + (pending.isEmpty() ? "" : "; not attempted: " + pending);
    return new MaintenanceException(base.code(), message, details, e);
  }

  private String describeState(String collection) {
    try {
      return server.live(collection, server.targets(), DriftCheck.COUNTS)
          .map(s -> "present with " + s.points() + " points (config " + s.configHash().substring(0, 12) + ")")
          .orElse("absent");
    } catch (IOException | RuntimeException e) {
      return "unknown (" + QdrantErrors.message(e) + ")";
    }
  }
}
