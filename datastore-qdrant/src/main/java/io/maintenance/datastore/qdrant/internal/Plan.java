package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ResourceDiff;
import io.maintenance.datastore.qdrant.DriftCheck;
import io.maintenance.datastore.qdrant.internal.CollectionRecord.Snap;
import io.maintenance.spi.RestoreContext;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The preview of a restore: every check of {@link RestoreChecks}, every snapshot read through, and the diff per collection. */
public final class Plan {
  private static final int BUFFER = 256 * 1024;

  private final Server server;
  private final RestoreChecks checks;

  public Plan(Server server) {
    this.server = server;
    this.checks = new RestoreChecks(server);
  }

  public DatastorePlan plan(RestoreContext ctx, String datastoreId, String type) {
    try {
      List<CollectionRecord> records = RestoreChecks.records(ctx);
      ServerVersion target = server.targetVersion();
      Topology topology = Topology.discover(server.settings(), server.main());
      List<String> warnings = new ArrayList<>();
      for (CollectionRecord r : records) {
        RestoreChecks.gate(r, target);
        for (Snap s : r.snapshots()) {
          ctx.ensureActive();
          inspect(ctx, r, s);
        }
        RestoreChecks.versionWarning(r, target).ifPresent(warnings::add);
      }
      Targets t = server.targets();
      List<ResourceDiff> diffs = new ArrayList<>();
      for (CollectionRecord r : records) {
        Optional<JsonNode> liveInfo = checks.check(r, t, topology);
        Optional<CollectionState> live = server.live(r.collection(), t, DriftCheck.COUNTS);
        diffs.add(diff(r, live, liveInfo, t, warnings));
      }
      return new DatastorePlan(datastoreId, type, diffs, warnings);
    } catch (IOException e) {
      throw QdrantErrors.of("planning the Qdrant restore", e);
    }
  }

  /**
   * Reads a whole snapshot as Qdrant wrote it (decrypted if the engine encrypted it) through the
   * verifying source: tar structure and the file that makes it a Qdrant snapshot.
   */
  private static void inspect(RestoreContext ctx, CollectionRecord r, Snap s) throws IOException {
    ArtifactInfo artifact = RestoreChecks.snapshotArtifact(ctx.artifacts(), r, s);
    try (InputStream in = ctx.artifacts().open(artifact.name())) {
      SnapshotContents.read(artifact.name(), s.shard() != null, new BufferedInputStream(in, BUFFER));
    }
  }

  private static ResourceDiff diff(CollectionRecord r, Optional<CollectionState> live, Optional<JsonNode> liveInfo, Targets t,
      List<String> warnings) {
    List<String> changes = new ArrayList<>();
    long before = live.map(CollectionState::points).orElse(0L);
    if (liveInfo.isPresent()) {
      JsonNode config = liveInfo.get().path("config");
      JsonNode backedUp = r.restInfo().path("config");
      ConfigSync.changes(config, backedUp).forEach(c -> changes.add("config will be changed: " + c));
      changes.addAll(ConfigSync.indexChanges(liveInfo.get().path("payload_schema"), r.restInfo().path("payload_schema")));
      for (String alias : live.map(CollectionState::aliases).orElse(List.of())) {
        if (!r.aliases().contains(alias)) {
          changes.add("alias '" + alias + "' will be removed (not in the backup)");
        }
      }
    } else if (r.sharded()) {
      JsonNode params = r.restInfo().path("config").path("params");
      changes.add("collection will be created with " + params.path("shard_number").asInt(1) + " shards and replication factor "
          + params.path("replication_factor").asInt(1) + ", its payload indexes, then its shards recovered from their snapshots");
    } else {
      changes.add("collection will be created from the snapshot");
    }
    for (String alias : r.aliases()) {
      String now = t.aliasTargets().get(alias);
      if (!r.collection().equals(now)) {
        changes.add("alias '" + alias + "' will be " + (now == null ? "created" : "moved here from collection '" + now + "'"));
        if (now != null) {
          warnings.add("alias '" + alias + "' now points at '" + now + "'; the restore moves it to '" + r.collection() + "'");
        }
      }
    }
    return new ResourceDiff("collection", r.collection(), live.isPresent() ? ChangeKind.REPLACE : ChangeKind.CREATE,
        List.of(new CountChange("points", before, r.points())), changes, Math.max(0, before - r.points()));
  }
}
