package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.qdrant.DriftCheck;
import io.maintenance.datastore.qdrant.internal.CollectionRecord.Snap;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.support.NameFilter;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Backup, plan, restore and fingerprint of Qdrant collections: the work behind {@code QdrantDatastore}. */
public final class QdrantOperations {
  private static final Logger LOG = LoggerFactory.getLogger(QdrantOperations.class);
  private static final int BUFFER = 256 * 1024;
  /** Snapshots retaken when points were written while they were being made. */
  private static final int SNAPSHOT_ATTEMPTS = 3;
  public static final String META_VERSION = "qdrant.serverVersion";
  public static final String META_COLLECTIONS = "qdrant.collections";
  public static final String META_FORMAT = "qdrant.format";
  /** {@code details.reason} of refusals that concern the restore target. */
  public static final String TARGET_IS_ALIAS = "TARGET_IS_ALIAS";
  public static final String ALIAS_IS_COLLECTION = "ALIAS_IS_COLLECTION";
  public static final String CONFIG_INCOMPATIBLE = "CONFIG_INCOMPATIBLE";
  public static final String SNAPSHOT_NEEDS_SINGLE_NODE = "SNAPSHOT_NEEDS_SINGLE_NODE";
  public static final String CUSTOM_SHARDS_NEED_COLLECTION = "CUSTOM_SHARDS_NEED_COLLECTION";

  private final QdrantSettings settings;
  private final RestClient main;
  private final GrpcGateway grpc;
  private final NameFilter selector;

  public QdrantOperations(QdrantSettings settings, RestClient main, GrpcGateway grpc) {
    this.settings = settings;
    this.main = main;
    this.grpc = grpc;
    this.selector = NameFilter.of(settings.include(), settings.exclude());
  }

  private Targets targets() throws IOException {
    return Targets.read(grpc);
  }

  private Optional<CollectionState> live(String name, Targets t, DriftCheck check) throws IOException {
    return t.live(grpc, name, check);
  }

  // ---------------------------------------------------------------- fingerprint

  public Fingerprint fingerprint(Set<String> resources) {
    try {
      Set<String> names = resources.isEmpty() ? new TreeSet<>(selected()) : new TreeSet<>(resources);
      Targets t = targets();
      Map<String, String> components = new TreeMap<>();
      for (String name : names) {
        components.put(name, t.isAlias(name) ? "alias-of:" + t.aliasTargets().get(name)
            : live(name, t, settings.driftCheck()).map(CollectionState::fingerprint).orElse("absent"));
      }
      return Fingerprint.of(components);
    } catch (IOException e) {
      throw Failures.of("fingerprinting Qdrant collections", e);
    }
  }

  private List<String> selected() throws IOException {
    return grpc.listCollections().stream().filter(selector::matches).sorted().toList();
  }

  // ---------------------------------------------------------------- backup

  public DatastoreBackup backup(BackupContext ctx) {
    try {
      String version = grpc.version();
      Topology topology = Topology.discover(settings, main);
      ServerSnapshots snapshots = new ServerSnapshots(settings);
      List<String> collections = selected();
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
      throw Failures.of("backing up Qdrant collections", e);
    }
  }

  /** A single node: one collection snapshot holds every shard. */
  private CollectionState backupCollection(BackupContext ctx, ServerSnapshots snapshots, String version, String collection)
      throws IOException {
    SnapshotScope scope = SnapshotScope.collection(collection);
    for (int attempt = 1; ; attempt++) {
      CollectionState before = liveState(collection);
      JsonNode restInfo = main.collectionInfo(collection);
      SnapshotInfo snapshot = snapshots.create(main, scope);
      try {
        CollectionState after = liveState(collection);
        if (!unchanged(collection, before, after, attempt)) {
          continue;
        }
        String artifact = Names.snapshotArtifact(collection);
        ServerSnapshots.Stored stored = snapshots.download(ctx, main, scope, snapshot, artifact);
        writeRecord(ctx, CollectionRecord.of(version, CollectionRecord.COLLECTION, List.of(snap(null, artifact, snapshot, stored,
            null, null)), after, null, restInfo));
        return after;
      } finally {
        snapshots.delete(main, scope, snapshot);
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
      JsonNode restInfo = main.collectionInfo(collection);
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
        idle &= "green".equals(main.collectionInfo(collection).path("status").asText());
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
    Targets t = targets();
    return live(collection, t, settings.driftCheck()).orElseThrow(() -> new MaintenanceException(ErrorCode.DATASTORE_FAILURE,
        "collection '" + collection + "' disappeared during the backup", Map.of("collection", collection)));
  }

  // ---------------------------------------------------------------- plan

  public DatastorePlan plan(RestoreContext ctx, String datastoreId, String type) {
    try {
      List<CollectionRecord> records = records(ctx);
      ServerVersion target = targetVersion();
      Topology topology = Topology.discover(settings, main);
      List<String> warnings = new ArrayList<>();
      for (CollectionRecord r : records) {
        gate(r, target);
        for (Snap s : r.snapshots()) {
          ctx.ensureActive();
          inspect(ctx, r, s);
        }
        versionWarning(r, target).ifPresent(warnings::add);
      }
      Targets t = targets();
      List<ResourceDiff> diffs = new ArrayList<>();
      for (CollectionRecord r : records) {
        Optional<JsonNode> liveInfo = check(r, t, topology);
        Optional<CollectionState> live = live(r.collection(), t, DriftCheck.COUNTS);
        diffs.add(diff(r, live, liveInfo, t, warnings));
      }
      return new DatastorePlan(datastoreId, type, diffs, warnings);
    } catch (IOException e) {
      throw Failures.of("planning the Qdrant restore", e);
    }
  }

  private ServerVersion targetVersion() throws IOException {
    String v = grpc.version();
    try {
      return ServerVersion.parse(v);
    } catch (IllegalArgumentException e) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "the target Qdrant reports an unreadable version '" + v + "'");
    }
  }

  /**
   * The compatibility gate, on the release recorded from the server at backup (a snapshot's own
   * {@code version.info} is the version of Qdrant's collection format, not of the release). Qdrant
   * refuses segments newer than itself and guarantees storage compatibility for one minor release, so
   * the target must run the snapshot's minor release or the next one.
   */
  private static void gate(CollectionRecord r, ServerVersion target) {
    ServerVersion creator = ServerVersion.parse(r.serverVersion());
    if (!target.canLoadSnapshotOf(creator)) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the snapshot of collection '" + r.collection()
          + "' was made by Qdrant " + creator + "; the target runs " + target + ", and Qdrant " + creator.major() + "."
          + creator.minor() + " snapshots load into " + creator.major() + "." + creator.minor() + ".x and "
          + creator.major() + "." + (creator.minor() + 1) + ".x only",
          Map.of("collection", r.collection(), "snapshotVersion", creator.toString(), "targetVersion", target.toString()));
    }
  }

  private static Optional<String> versionWarning(CollectionRecord r, ServerVersion target) {
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
  private Optional<JsonNode> check(CollectionRecord r, Targets t, Topology topology) throws IOException {
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
    Optional<JsonNode> liveInfo = t.collections().contains(c) ? Optional.of(main.collectionInfo(c)) : Optional.empty();
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

  /**
   * Reads a whole snapshot as Qdrant wrote it (decrypted if the engine encrypted it) through the
   * verifying source: tar structure and the file that makes it a Qdrant snapshot.
   */
  private static void inspect(RestoreContext ctx, CollectionRecord r, Snap s) throws IOException {
    ArtifactInfo artifact = snapshotArtifact(ctx.artifacts(), r, s);
    try (InputStream in = ctx.artifacts().open(artifact.name())) {
      SnapshotContents.read(artifact.name(), s.shard() != null, new BufferedInputStream(in, BUFFER));
    }
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
  private static List<CollectionRecord> records(RestoreContext ctx) throws IOException {
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
    if (out.isEmpty() && ctx.resources().isEmpty() && !ctx.manifest().metadata().getOrDefault(META_COLLECTIONS, "").isEmpty()) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the backup names Qdrant collections "
          + ctx.manifest().metadata().get(META_COLLECTIONS) + " but holds no collection records");
    }
    out.sort(Comparator.comparing(CollectionRecord::collection));
    return out;
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

  // ---------------------------------------------------------------- restore

  public RestoreOutcome restore(RestoreContext ctx) {
    List<CollectionRecord> records;
    ServerVersion target;
    Topology topology;
    try {
      records = records(ctx);
      target = targetVersion();
      topology = Topology.discover(settings, main);
      Targets t = targets();
      for (CollectionRecord r : records) {
        gate(r, target);
        r.snapshots().forEach(s -> snapshotArtifact(ctx.artifacts(), r, s));
        check(r, t, topology);
      }
    } catch (IOException e) {
      throw Failures.of("preparing the Qdrant restore", e);
    }
    preverify(ctx, records);
    List<String> warnings = new ArrayList<>();
    records.forEach(r -> versionWarning(r, target).map(w -> w.replace("and is restored", "and was restored")).ifPresent(warnings::add));
    QdrantRestore restore = new QdrantRestore(settings, main, grpc, topology, ctx, warnings);
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
      ArtifactInfo artifact = snapshotArtifact(ctx.artifacts(), e.getKey(), e.getValue());
      try (InputStream in = ctx.artifacts().openRaw(artifact.name())) {
        in.transferTo(OutputStream.nullOutputStream());
      } catch (IOException ex) {
        throw Failures.of("verifying snapshot '" + artifact.name() + "' before the restore", ex);
      }
      ctx.progress().onProgress("collection " + e.getKey().collection() + ": snapshot " + artifact.name() + " verified",
          artifact.size(), artifact.size());
    }
  }

  /** The error of a failed restore: the server's message, what is restored, and the failed collection's state now. */
  private MaintenanceException failed(CollectionRecord r, List<CollectionRecord> all, List<String> restored, Throwable e) {
    MaintenanceException base = Failures.of("restoring collection '" + r.collection() + "'", e);
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
      return live(collection, targets(), DriftCheck.COUNTS)
          .map(s -> "present with " + s.points() + " points (config " + s.configHash().substring(0, 12) + ")")
          .orElse("absent");
    } catch (IOException | RuntimeException e) {
      return "unknown (" + Failures.message(e) + ")";
    }
  }

}
