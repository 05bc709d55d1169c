package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.qdrant.internal.CollectionRecord.Snap;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A backup of the selected collections: snapshots streamed from the server into storage, and a record of each collection. */
public final class Backup {
  private static final Logger LOG = LoggerFactory.getLogger(Backup.class);
  /** Snapshots retaken when points were written while they were being made. */
  private static final int SNAPSHOT_ATTEMPTS = 3;
  public static final String META_VERSION = "qdrant.serverVersion";
  public static final String META_COLLECTIONS = "qdrant.collections";
  public static final String META_FORMAT = "qdrant.format";

  private final Server server;

  public Backup(Server server) {
    this.server = server;
  }

  public DatastoreBackup backup(BackupContext ctx) {
    try {
      String version = server.grpc().version();
      Topology topology = Topology.discover(server.settings(), server.main());
      ServerSnapshots snapshots = new ServerSnapshots(server.settings());
      List<String> collections = server.selected();
      List<ResourceSummary> resources = new ArrayList<>();
      Map<String, String> fingerprint = new TreeMap<>();
      for (String collection : collections) {
        ctx.ensureActive();
        Names.collection(collection);
        CollectionState state = topology.distributed()
            ? backupShards(ctx, snapshots, topology, version, collection)
            : backupCollection(ctx, snapshots, version, collection);
        resources.add(new ResourceSummary("collection", collection, state.counts()));
        fingerprint.put(collection, state.fingerprint());
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put(META_VERSION, version);
      metadata.put(META_COLLECTIONS, String.join(",", collections.stream().map(Names::encode).toList()));
      metadata.put(META_FORMAT, Integer.toString(CollectionRecord.FORMAT));
      return new DatastoreBackup(Fingerprint.of(fingerprint), resources, metadata);
    } catch (IOException e) {
      throw QdrantErrors.of("backing up Qdrant collections", e);
    }
  }

  /** A single node: one collection snapshot holds every shard. */
  private CollectionState backupCollection(BackupContext ctx, ServerSnapshots snapshots, String version, String collection)
      throws IOException {
    SnapshotScope scope = SnapshotScope.collection(collection);
    for (int attempt = 1; ; attempt++) {
      CollectionState before = liveState(collection);
      JsonNode restInfo = server.main().collectionInfo(collection);
      SnapshotInfo snapshot = snapshots.create(server.main(), scope);
      try {
        CollectionState after = liveState(collection);
        if (!unchanged(collection, before, after, attempt)) {
          continue;
        }
        String artifact = Names.snapshotArtifact(collection);
        ServerSnapshots.Stored stored = snapshots.download(ctx, server.main(), scope, snapshot, artifact);
        writeRecord(ctx, CollectionRecord.of(version, CollectionRecord.COLLECTION, List.of(snap(null, artifact, snapshot, stored,
            null, null)), after, null, restInfo));
        return after;
      } finally {
        snapshots.delete(server.main(), scope, snapshot);
      }
    }
  }

  /**
   * A cluster: a collection snapshot would hold only the shards of the node that made it, so every shard
   * is snapshotted on a node that holds an active replica of it, and the placement is recorded.
   */
  private CollectionState backupShards(BackupContext ctx, ServerSnapshots snapshots, Topology topology, String version,
      String collection) throws IOException {
    record Taken(int shard, long peer, RestClient node, SnapshotScope scope, SnapshotInfo snapshot, long points) {}
    for (int attempt = 1; ; attempt++) {
      CollectionState before = liveState(collection);
      JsonNode restInfo = server.main().collectionInfo(collection);
      boolean idle = "green".equals(restInfo.path("status").asText());
      List<Taken> taken = new ArrayList<>();
      try {
        for (Map.Entry<Integer, List<Topology.Replica>> shard : topology.placement(collection).entrySet()) {
          ctx.ensureActive();
          Topology.Replica source = topology.source(collection, shard.getKey(), shard.getValue());
          RestClient node = topology.node(source.peer()).orElseThrow();
          SnapshotScope scope = SnapshotScope.shard(collection, shard.getKey());
          SnapshotInfo snapshot = snapshots.create(node, scope);
          taken.add(new Taken(shard.getKey(), source.peer(), node, scope, snapshot,
              Topology.shardPoints(node, collection, shard.getKey())));
        }
        CollectionState after = liveState(collection);
        if (!unchanged(collection, before, after, attempt)) {
          continue;
        }
        idle &= "green".equals(server.main().collectionInfo(collection).path("status").asText());
        List<Snap> snaps = new ArrayList<>();
        for (Taken t : taken) {
          ctx.ensureActive();
          String artifact = Names.shardArtifact(collection, t.shard());
          ServerSnapshots.Stored stored = snapshots.download(ctx, t.node(), t.scope(), t.snapshot(), artifact);
          snaps.add(snap(t.shard(), artifact, t.snapshot(), stored, t.peer(), t.points()));
        }
        writeRecord(ctx, CollectionRecord.of(version, CollectionRecord.SHARDS, snaps, after, idle, restInfo));
        return after;
      } finally {
        taken.forEach(t -> snapshots.delete(t.node(), t.scope(), t.snapshot()));
      }
    }
  }

  private static Snap snap(Integer shard, String artifact, SnapshotInfo snapshot, ServerSnapshots.Stored stored, Long peer,
      Long points) {
    return new Snap(shard, artifact, snapshot.name(), stored.size(), stored.sha256(),
        snapshot.checksum().isPresent() ? "qdrant" : "plugin", peer, points);
  }

  /** Whether nothing was written while the snapshots were made; if something was, their exact count is unknown. */
  private static boolean unchanged(String collection, CollectionState before, CollectionState after, int attempt) {
    if (after.fingerprint().equals(before.fingerprint())) {
      return true;
    }
    if (attempt < SNAPSHOT_ATTEMPTS) {
      LOG.info("collection '{}' changed while its snapshot was made; taking it again", collection);
      return false;
    }
    throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "collection '" + collection
        + "' kept changing while snapshots were made (" + SNAPSHOT_ATTEMPTS + " attempts); back it up while writes pause",
        Map.of("collection", collection));
  }

  private static void writeRecord(BackupContext ctx, CollectionRecord record) throws IOException {
    try (OutputStream out = ctx.artifacts().create(Names.metaArtifact(record.collection()), "application/json")) {
      record.write(out);
    }
  }

  private CollectionState liveState(String collection) throws IOException {
    Targets t = server.targets();
    return server.live(collection, t, server.settings().driftCheck()).orElseThrow(() -> new MaintenanceException(ErrorCode.DATASTORE_FAILURE,
        "collection '" + collection + "' disappeared during the backup", Map.of("collection", collection)));
  }
}
