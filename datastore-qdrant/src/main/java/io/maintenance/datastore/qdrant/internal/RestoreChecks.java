package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.qdrant.internal.CollectionRecord.Snap;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.RestoreContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a preview checks and a restore checks again before it touches anything: the backup's records,
 * the target's version, and what Qdrant would refuse or get wrong on the target.
 */
final class RestoreChecks {
  /** {@code details.reason} of refusals that concern the restore target. */
  static final String TARGET_IS_ALIAS = "TARGET_IS_ALIAS";
  static final String ALIAS_IS_COLLECTION = "ALIAS_IS_COLLECTION";
  static final String CONFIG_INCOMPATIBLE = "CONFIG_INCOMPATIBLE";
  static final String SNAPSHOT_NEEDS_SINGLE_NODE = "SNAPSHOT_NEEDS_SINGLE_NODE";
  static final String CUSTOM_SHARDS_NEED_COLLECTION = "CUSTOM_SHARDS_NEED_COLLECTION";

  private final Server server;

  RestoreChecks(Server server) {
    this.server = server;
  }

  /**
   * The compatibility gate, on the release recorded from the server at backup (a snapshot's own
   * {@code version.info} is the version of Qdrant's collection format, not of the release). Qdrant
   * refuses segments newer than itself and guarantees storage compatibility for one minor release, so
   * the target must run the snapshot's minor release or the next one.
   */
  static void gate(CollectionRecord r, ServerVersion target) {
    ServerVersion creator = ServerVersion.parse(r.serverVersion());
    if (!target.canLoadSnapshotOf(creator)) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the snapshot of collection '" + r.collection()
          + "' was made by Qdrant " + creator + "; the target runs " + target + ", and Qdrant " + creator.major() + "."
          + creator.minor() + " snapshots load into " + creator.major() + "." + creator.minor() + ".x and "
          + creator.major() + "." + (creator.minor() + 1) + ".x only",
          Map.of("collection", r.collection(), "snapshotVersion", creator.toString(), "targetVersion", target.toString()));
    }
  }

  static Optional<String> versionWarning(CollectionRecord r, ServerVersion target) {
    return ServerVersion.parse(r.serverVersion()).equals(target) ? Optional.empty()
        : Optional.of("collection '" + r.collection() + "' was backed up from Qdrant " + r.serverVersion()
            + " and is restored into " + target);
  }

  /**
   * What Qdrant would refuse or get wrong, found before anything is touched: a target name that is now
   * an alias (Qdrant would recover into the collection it points at), an alias of the backup that is
   * now a collection's name, a live collection whose vectors, sparse vector names or shard number differ
   * from the backup's (Qdrant refuses those for collection snapshots and does not check them for shard
   * snapshots), a collection snapshot for a cluster, and shards whose nodes the plugin cannot reach.
   * Returns the live collection's REST info.
   */
  Optional<JsonNode> check(CollectionRecord r, Targets t, Topology topology) throws IOException {
    String c = r.collection();
    if (t.isAlias(c)) {
      throw refuse(c, TARGET_IS_ALIAS, "'" + c + "' is now an alias of collection '" + t.aliasTargets().get(c)
          + "'; Qdrant would recover the snapshot into that collection. Delete the alias to restore '" + c + "'");
    }
    for (String alias : r.aliases()) {
      if (t.collections().contains(alias)) {
        throw refuse(c, ALIAS_IS_COLLECTION, "the backup's alias '" + alias + "' of '" + c
            + "' is now the name of a collection, so it cannot be created");
      }
    }
    if (!r.sharded() && topology.peerCount() > 1) {
      throw refuse(c, SNAPSHOT_NEEDS_SINGLE_NODE, "the backup of '" + c + "' is a single node's collection snapshot; in a "
          + "cluster of " + topology.peerCount() + " peers Qdrant would recover only the shards of the node receiving it");
    }
    Optional<JsonNode> liveInfo = t.collections().contains(c) ? Optional.of(server.main().collectionInfo(c)) : Optional.empty();
    if (liveInfo.isPresent()) {
      List<String> fixed = ConfigSync.immutableDifferences(liveInfo.get().path("config"), r.restInfo().path("config"));
      if (!fixed.isEmpty()) {
        throw refuse(c, CONFIG_INCOMPATIBLE, "collection '" + c + "' exists with other " + String.join(", ", fixed)
            + "; Qdrant cannot recover a snapshot into it. Delete the collection to restore it as backed up");
      }
    }
    if (r.sharded() && liveInfo.isEmpty()
        && "custom".equals(r.restInfo().path("config").path("params").path("sharding_method").asText())) {
      throw refuse(c, CUSTOM_SHARDS_NEED_COLLECTION, "collection '" + c + "' uses custom sharding, whose shard keys a "
          + "snapshot does not hold: create the collection and its shard keys as they were, then preview again");
    }
    if (r.sharded() && topology.distributed()) {
      if (liveInfo.isPresent()) {
        for (Map.Entry<Integer, List<Topology.Replica>> shard : topology.placement(c).entrySet()) {
          topology.source(c, shard.getKey(), shard.getValue());
        }
      } else if (!topology.unknownPeers().isEmpty()) {
        throw Topology.peerMissing("collection '" + c + "' will be created across the cluster, and the plugin has no URL "
            + "for peers " + topology.unknownPeers());
      }
    }
    return liveInfo;
  }

  private static MaintenanceException refuse(String collection, String reason, String message) {
    return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, message, Map.of("collection", collection, "reason", reason));
  }

  static ArtifactInfo snapshotArtifact(ArtifactSource source, CollectionRecord r, Snap s) {
    ArtifactInfo a = source.find(s.artifact()).orElseThrow(() -> new MaintenanceException(ErrorCode.ARTIFACT_MISSING,
        "the backup has no snapshot artifact '" + s.artifact() + "' for collection '" + r.collection() + "'",
        Map.of("collection", r.collection(), "artifact", s.artifact())));
    // The manifest records the SHA-256 of the snapshot as written (and of the stored bytes, which the
    // engine checks); it must be the snapshot the record describes.
    String written = a.contentSha256().orElse(s.sha256());
    if (!written.equals(s.sha256())) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "the stored snapshot '" + a.name() + "' of '"
          + r.collection() + "' is not the one the backup recorded: its SHA-256 is " + written + ", the record says "
          + s.sha256(), Map.of("collection", r.collection(), "artifact", a.name()));
    }
    return a;
  }

  /** The collection records of the backup selected for this restore, in collection order; names are validated. */
  static List<CollectionRecord> records(RestoreContext ctx) throws IOException {
    ArtifactSource source = ctx.artifacts();
    List<CollectionRecord> out = new ArrayList<>();
    for (ArtifactInfo a : source.list()) {
      if (a.name().endsWith(Names.META_SUFFIX)) {
        try (InputStream in = source.open(a.name())) {
          CollectionRecord r = CollectionRecord.read(a.name(), in);
          if (!Names.metaArtifact(r.collection()).equals(a.name()) || !r.snapshots().stream().allMatch(s -> s.artifact().equals(
              s.shard() == null ? Names.snapshotArtifact(r.collection()) : Names.shardArtifact(r.collection(), s.shard())))) {
            throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "artifact '" + a.name()
                + "' describes collection '" + r.collection() + "' under another name", Map.of("artifact", a.name()));
          }
          if (ctx.resources().isEmpty() || ctx.resources().contains(r.collection())) {
            out.add(r);
          }
        }
      }
    }
    // A backup of a server with no (selected) collections is empty and restores nothing; a backup that
    // names collections but holds none of their records is not one this plugin can restore.
    if (out.isEmpty() && ctx.resources().isEmpty() && !ctx.manifest().metadata().getOrDefault(Backup.META_COLLECTIONS, "").isEmpty()) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the backup names Qdrant collections "
          + ctx.manifest().metadata().get(Backup.META_COLLECTIONS) + " but holds no collection records");
    }
    out.sort(Comparator.comparing(CollectionRecord::collection));
    return out;
  }
}
