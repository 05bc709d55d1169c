package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.qdrant.DriftCheck;
import io.maintenance.datastore.qdrant.internal.CollectionRecord.Snap;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.support.PassThroughInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the collection records of one restore: data first (a collection snapshot recovered by Qdrant,
 * or the collection created from its recorded config and each shard snapshot recovered on a node that
 * holds the shard), then the config Qdrant does not take from snapshots, payload indexes and aliases,
 * then a verification against the record.
 */
final class CollectionRestore {
  private static final Logger LOG = LoggerFactory.getLogger(CollectionRestore.class);
  private static final int READ_AHEAD_BLOCK = 1 << 20;
  private static final int READ_AHEAD_DEPTH = 4;

  private final QdrantSettings settings;
  private final RestClient main;
  private final GrpcGateway grpc;
  private final Topology topology;
  private final RestoreContext ctx;
  private final List<String> warnings;
  private boolean urlRecoveryRefused;

  CollectionRestore(QdrantSettings settings, RestClient main, GrpcGateway grpc, Topology topology, RestoreContext ctx,
      List<String> warnings) {
    this.settings = settings;
    this.main = main;
    this.grpc = grpc;
    this.topology = topology;
    this.ctx = ctx;
    this.warnings = warnings;
  }

  /**
   * Restores one collection. A collection that did not exist before and whose restore fails is dropped
   * again, so that it is left as it was: absent.
   */
  CollectionState apply(CollectionRecord r) throws IOException {
    boolean existed = grpc.listCollections().contains(r.collection());
    try {
      return applyTo(r);
    } catch (IOException | RuntimeException e) {
      if (!existed) {
        dropQuietly(r.collection(), e);
      }
      throw e;
    }
  }

  private void dropQuietly(String collection, Throwable failure) {
    try {
      if (grpc.listCollections().contains(collection)) {
        grpc.deleteCollection(collection);
        LOG.warn("collection '{}' did not exist before its failed restore and was dropped again", collection);
      }
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private CollectionState applyTo(CollectionRecord r) throws IOException {
    String c = r.collection();
    if (r.sharded()) {
      restoreShards(r);
    } else {
      restoreCollection(r, r.snapshots().get(0));
    }
    JsonNode info = main.collectionInfo(c);
    Optional<com.fasterxml.jackson.databind.node.ObjectNode> patch =
        ConfigSync.patch(info.path("config"), r.restInfo().path("config"));
    if (patch.isPresent()) {
      main.updateCollection(c, patch.get());
    }
    ConfigSync.syncIndexes(main, c, info.path("payload_schema"), r.restInfo().path("payload_schema"));
    Map<String, String> before = grpc.aliasTargets();
    AliasChange.apply(grpc, c, AliasChange.operations(c, r.aliases(), before), before);
    return verify(r);
  }

  /**
   * Qdrant fetches the snapshot from a presigned storage URL where it can; where the storage cannot
   * presign, or the server refuses URL recovery ({@code enable_snapshot_url_recovery: false} answers
   * 403), the snapshot is uploaded. Qdrant keeps an uploaded collection snapshot in the collection's
   * snapshot folder for good, so the plugin uploads it under a name of its own and deletes it afterwards.
   */
  private void restoreCollection(CollectionRecord r, Snap s) throws IOException {
    String c = r.collection();
    SnapshotScope scope = SnapshotScope.collection(c);
    ArtifactInfo artifact = RestoreChecks.snapshotArtifact(ctx.artifacts(), r, s);
    Optional<URI> url = settings.uploadOnly() || urlRecoveryRefused ? Optional.empty()
        : ctx.artifacts().presign(artifact.name(), settings.presignTtl());
    if (url.isPresent()) {
      ctx.progress().onProgress(scope + ": snapshot recovery from URL", 0, s.size());
      try {
        main.recover(scope, url.get(), s.sha256());
        ctx.progress().onProgress(scope + ": snapshot recovery from URL", s.size(), s.size());
        return;
      } catch (QdrantHttpException e) {
        if (!e.urlRecoveryDisabled()) {
          throw e;
        }
        urlRecoveryRefused = true;
        warnings.add("Qdrant refuses recovery from URLs (enable_snapshot_url_recovery is false); the snapshots were uploaded");
      }
    }
    String uploaded = "maintenance-" + Names.encode(ctx.requestId()) + "-" + Names.snapshotArtifact(c);
    try {
      upload(main, scope, uploaded, artifact, s);
    } finally {
      removeUpload(scope, uploaded);
    }
  }

  private void removeUpload(SnapshotScope scope, String name) {
    try {
      if (!grpc.listCollections().contains(scope.collection())) {
        LOG.warn("the uploaded snapshot '{}' of {} stays in the server's snapshots directory: the collection does not exist,"
            + " so Qdrant's API cannot delete it", name, scope);
      } else if (main.listSnapshots(scope).stream().anyMatch(s -> s.name().equals(name))) {
        main.deleteSnapshot(scope, name);
      } else {
        // With S3 snapshot storage Qdrant lists and deletes in S3, but keeps uploads on its local disk.
        warnings.add("Qdrant does not list the uploaded snapshot '" + name + "' of " + scope + " (S3 snapshot storage keeps "
            + "uploads in the node's local snapshots directory, out of the API's reach): delete <snapshots_path>/"
            + scope.collection() + "/" + name + " on the node");
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete the uploaded snapshot '{}' of {} from the server: {}", name, scope, QdrantErrors.message(e));
      warnings.add("the uploaded snapshot '" + name + "' of " + scope + " could not be deleted from the server: "
          + QdrantErrors.message(e));
    }
  }

  /**
   * A distributed collection: created from its recorded config where it does not exist (Qdrant places
   * the shards), then every shard snapshot is uploaded to a node holding an active replica of the shard,
   * with {@code priority=snapshot} so that Qdrant re-syncs the other replicas from it.
   */
  private void restoreShards(CollectionRecord r) throws IOException {
    String c = r.collection();
    if (!grpc.listCollections().contains(c)) {
      main.createCollection(c, ConfigSync.createBody(r.restInfo().path("config")));
      ConfigSync.syncIndexes(main, c, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), r.restInfo().path("payload_schema"));
      topology.awaitActive(c, settings);
    }
    Map<Integer, List<Topology.Replica>> placement = topology.placement(c);
    if (placement.size() != r.snapshots().size()) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "collection '" + c + "' has " + placement.size()
          + " shards, the backup " + r.snapshots().size(), Map.of("collection", c));
    }
    for (Snap s : r.snapshots()) {
      ctx.ensureActive();
      Topology.Replica target = topology.source(c, s.shard(), placement.get(s.shard()));
      ArtifactInfo artifact = RestoreChecks.snapshotArtifact(ctx.artifacts(), r, s);
      upload(topology.node(target.peer()).orElseThrow(), SnapshotScope.shard(c, s.shard()), artifact.name(), artifact, s);
    }
    topology.awaitActive(c, settings);
  }

  /**
   * Streams a snapshot to Qdrant as it was written (decrypted if the engine encrypted it), read ahead from
   * storage through the verifying stream, with the recorded SHA-256 for Qdrant to check.
   */
  private void upload(RestClient node, SnapshotScope scope, String fileName, ArtifactInfo artifact, Snap s) throws IOException {
    Progress progress = new Progress(ctx.progress(), scope + ": snapshot upload", s.size());
    Source source = new Source(ctx.artifacts().open(artifact.name()), progress);
    InputStream ahead = new ReadAheadInputStream(source, READ_AHEAD_BLOCK, READ_AHEAD_DEPTH, "qdrant-upload");
    try {
      node.upload(scope, fileName, ahead, s.size(), s.sha256());
    } catch (IOException | RuntimeException e) {
      closeQuietly(ahead, e);
      // A failure of our own source (tampered or missing artifact) beats the transport error it caused.
      if (source.failure != null) {
        throw QdrantErrors.of("streaming snapshot '" + artifact.name() + "'", source.failure);
      }
      throw e;
    }
    ahead.close();
  }

  /** Checks the restored collection against the record. */
  private CollectionState verify(CollectionRecord r) throws IOException {
    String c = r.collection();
    DriftCheck check = r.content() == null ? DriftCheck.COUNTS : DriftCheck.parse(r.content().check());
    CollectionState now = Targets.read(grpc).live(grpc, c, check).orElseThrow(() -> new MaintenanceException(
        ErrorCode.DATASTORE_FAILURE, "collection '" + c + "' does not exist after its snapshot was recovered"));
    List<String> problems = new ArrayList<>();
    CollectionState backedUp = r.state();
    if (now.points() != r.points()) {
      problems.add("points " + now.points() + ", expected " + r.points());
    }
    if (!now.vectors().equals(backedUp.vectors())) {
      problems.add("vectors " + now.vectors() + ", expected " + backedUp.vectors());
    }
    if (!types(now.payloadSchema()).equals(types(backedUp.payloadSchema()))) {
      problems.add("payload schema " + types(now.payloadSchema()) + ", expected " + types(backedUp.payloadSchema()));
    }
    if (!now.aliases().equals(backedUp.aliases())) {
      problems.add("aliases " + now.aliases() + ", expected " + backedUp.aliases());
    }
    if (r.format() >= 2) {
      if (!now.sparseVectors().equals(backedUp.sparseVectors())) {
        problems.add("sparse vectors " + now.sparseVectors() + ", expected " + backedUp.sparseVectors());
      }
      if (!now.settings().equals(backedUp.settings())) {
        problems.add("settings " + now.settings() + ", expected " + backedUp.settings());
      }
    }
    if (!now.content().equals(backedUp.content())) {
      problems.add("the points' " + check.key() + " digest " + now.content().map(ContentDigest.Result::digest).orElse("-")
          + ", expected " + backedUp.content().map(ContentDigest.Result::digest).orElse("-"));
    }
    if (r.sharded() && Boolean.TRUE.equals(r.shardPointsIdle())) {
      topology.awaitIdle(c, settings);
      Map<Integer, List<Topology.Replica>> placement = topology.placement(c);
      for (Snap s : r.snapshots()) {
        Topology.Replica replica = topology.source(c, s.shard(), placement.get(s.shard()));
        long points = Topology.shardPoints(topology.node(replica.peer()).orElseThrow(), c, s.shard());
        if (s.points() != null && points != s.points()) {
          problems.add("shard " + s.shard() + " has " + points + " points, expected " + s.points());
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "collection '" + c
          + "' does not match the backup after the restore: " + String.join("; ", problems), Map.of("collection", c));
    }
    return now;
  }

  private static Map<String, String> types(Map<String, String> schema) {
    Map<String, String> t = new TreeMap<>();
    schema.forEach((k, v) -> t.put(k, v.split(" ", 2)[0]));
    return t;
  }

  private static void closeQuietly(InputStream in, Throwable primary) {
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      // an unread verifying stream complains when closed early; the primary failure is what matters
      primary.addSuppressed(e);
    }
  }

  /** The artifact stream feeding an upload: counts bytes for progress and remembers its first failure. */
  private static final class Source extends PassThroughInputStream {
    private final Progress progress;
    private long read;
    volatile Throwable failure;

    Source(InputStream in, Progress progress) {
      super(in);
      this.progress = progress;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        int n = in.read(b, off, len);
        if (n > 0) {
          read += n;
          progress.at(read);
        }
        return n;
      } catch (IOException | RuntimeException e) {
        failure = failure == null ? e : failure;
        throw e;
      }
    }
  }
}
