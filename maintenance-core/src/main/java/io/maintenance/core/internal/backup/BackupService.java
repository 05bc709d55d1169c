package io.maintenance.core.internal.backup;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.BackupType;
import io.maintenance.api.DataKey;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.MaintenanceException;
import io.maintenance.core.internal.EngineContext;
import io.maintenance.core.internal.Guard;
import io.maintenance.core.internal.Ids;
import io.maintenance.core.internal.ProgressLog;
import io.maintenance.core.internal.artifacts.Artifacts;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.OperationLock;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.support.ArtifactCodec;
import io.maintenance.spi.support.BackupLayout;
import io.maintenance.spi.support.Contexts;
import io.maintenance.spi.support.StorageArtifactSink;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backup sets: under the operation lock, a RUNNING row, every datastore's artifacts streamed to
 * storage, the manifest written last, then SUCCEEDED with the manifest's SHA-256. On failure the row
 * becomes FAILED and what was written is removed (or left to the orphan sweep if that fails too).
 */
public final class BackupService {
  private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);

  private final EngineContext ctx;
  private final ManifestStore manifests;

  public BackupService(EngineContext ctx, ManifestStore manifests) {
    this.ctx = ctx;
    this.manifests = manifests;
  }

  public BackupRecord backup(BackupRequest request, String actor) {
    List<String> ids = select(request);
    try (OperationLock.Held lock = ctx.lock().acquire("a backup", ctx::describeBusy)) {
      return runLocked(request, ids, actor);
    } catch (MaintenanceException e) {
      if (e.code() == ErrorCode.OPERATION_IN_PROGRESS) {
        ctx.audit(actor, "backup", e.code().name(), "-", Map.of("reason", e.getMessage()));
        ctx.metrics().backup(BackupStatus.FAILED, ctx.storage().name(), request.type().name(), Duration.ZERO);
      }
      throw e;
    }
  }

  /** Runs a backup while the caller holds the operation lock (e.g. the safety backup of a restore). */
  public BackupRecord backupLocked(BackupRequest request, String actor) {
    return runLocked(request, select(request), actor);
  }

  /** Deletes a backup: artifacts first, then its row. */
  public void delete(String backupId, String actor) {
    try (OperationLock.Held lock = ctx.lock().acquire("deleting backup " + backupId, ctx::describeBusy)) {
      BackupCatalog.Row row = ctx.backups().require(backupId);
      if (row.record().status() == BackupStatus.RUNNING) {
        throw new MaintenanceException(ErrorCode.OPERATION_IN_PROGRESS, "backup " + backupId + " is still running");
      }
      List<String> children = ctx.backups().children(backupId);
      if (!children.isEmpty()) {
        throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "backup " + backupId + " is the parent of incremental backup(s) "
            + String.join(", ", children) + "; delete those first", Map.of("backupId", backupId));
      }
      if (row.record().status() != BackupStatus.DELETING && !ctx.backups().markDeleting(backupId, row.record().status())) {
        throw new MaintenanceException(ErrorCode.OPERATION_IN_PROGRESS, "backup " + backupId + " changed state meanwhile; try again");
      }
      int deleted = deleteArtifacts(row);
      ctx.backups().delete(backupId);
      ctx.audit(actor, "backup.delete", "success", backupId, Map.of("objectsDeleted", Integer.toString(deleted)));
    } catch (MaintenanceException e) {
      ctx.audit(actor, "backup.delete", e.code().name(), backupId, Map.of("reason", e.getMessage()));
      throw e;
    }
  }

  /** Deletes every object in the backup's folder; returns how many. */
  public int deleteArtifacts(BackupCatalog.Row row) {
    String folder = BackupLayout.backupFolder(row.storagePrefix(), row.id()) + "/";
    return Guard.run(ErrorCode.STORAGE_FAILURE, "deleting the artifacts of " + row.id(), () -> {
      List<String> keys;
      try (Stream<ObjectInfo> objects = ctx.storage().list(folder)) {
        keys = objects.map(ObjectInfo::key).collect(Collectors.toList());
      }
      // The manifest goes first: an interrupted delete must not leave something that looks like a complete backup.
      String manifest = BackupLayout.manifestKey(row.storagePrefix(), row.id());
      if (keys.remove(manifest)) {
        ctx.storage().delete(manifest);
      }
      for (String k : keys) {
        ctx.storage().delete(k);
      }
      return keys.size() + 1;
    });
  }

  private List<String> select(BackupRequest request) {
    if (request.datastores().isEmpty()) {
      return new ArrayList<>(ctx.datastores().keySet());
    }
    List<String> unknown = request.datastores().stream().filter(id -> !ctx.datastores().containsKey(id)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "unknown datastore(s) " + String.join(", ", unknown)
          + "; configured: " + String.join(", ", ctx.datastores().keySet()), Map.of("unknown", String.join(",", unknown)));
    }
    return ctx.datastores().keySet().stream().filter(request.datastores()::contains).toList();
  }

  private BackupRecord runLocked(BackupRequest request, List<String> ids, String actor) {
    Instant started = ctx.clock().instant();
    long t0 = System.nanoTime();
    BackupType type = request.type();
    Optional<BackupCatalog.Row> parent = Optional.empty();
    Optional<BackupManifest> parentManifest = Optional.empty();
    if (type == BackupType.INCREMENTAL) {
      parent = ctx.backups().newestSucceededCovering(ids);
      if (parent.isEmpty()) {
        LOG.warn("No succeeded backup covers {}; taking a full backup instead of an incremental one", ids);
        type = BackupType.FULL;
      } else {
        parentManifest = Optional.of(manifests.read(parent.get()));
      }
    }
    String id = Ids.next("bk", ctx.clock());
    String prefix = ctx.storagePrefix();
    ctx.backups().insertRunning(id, type, parent.map(BackupCatalog.Row::id), ids, ctx.storage().name(), prefix, actor,
        ctx.owner(), started, request.pinned(), request.labels());
    LOG.info("Backup {} started ({} of {}) by {}", id, type, ids, actor);
    try {
      Artifacts.Writer artifacts = ctx.artifacts().writer(id);
      List<DatastoreManifest> sections = new ArrayList<>();
      for (String dsId : ids) {
        Optional<DatastoreManifest> parentSection = parentManifest.flatMap(m -> m.datastore(dsId));
        sections.add(backupOne(id, prefix, type, dsId, parentSection, parent.map(BackupCatalog.Row::id), artifacts.codec(dsId)));
      }
      BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, id, type, parent.map(BackupCatalog.Row::id),
          started, ctx.clock().instant(), ctx.engineVersion(), sections, dataKeys(id, artifacts, sections, parentManifest));
      ManifestStore.Written written = manifests.write(prefix, manifest);
      long bytes = written.size() + sections.stream().flatMap(s -> s.artifacts().stream())
          .filter(a -> a.heldBy().isEmpty()).mapToLong(ArtifactInfo::size).sum();
      int count = sections.stream().mapToInt(s -> s.artifacts().size()).sum();
      ctx.backups().markSucceeded(id, written.sha256(), bytes, count, ctx.clock().instant());
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      LOG.info("Backup {} succeeded: {} artifacts, {} bytes in {} ms", id, count, bytes, took.toMillis());
      ctx.metrics().backup(BackupStatus.SUCCEEDED, ctx.storage().name(), type.name(), took);
      ctx.audit(actor, "backup", "success", id, AuditLog.details("type", type.name(),
          "datastores", String.join(",", ids), "bytes", Long.toString(bytes), "artifacts", Integer.toString(count),
          "parent", parent.map(BackupCatalog.Row::id).orElse(null), "durationMs", Long.toString(took.toMillis())));
      return ctx.backups().require(id).record();
    } catch (RuntimeException e) {
      MaintenanceException failure = Guard.wrap(ErrorCode.INTERNAL_ERROR, "backup " + id + " failed", e);
      LOG.error("Backup {} failed: {}", id, failure.toString());
      ctx.backups().markFailed(id, ErrorInfo.of(failure), ctx.clock().instant());
      cleanUp(id, prefix);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      ctx.metrics().backup(BackupStatus.FAILED, ctx.storage().name(), type.name(), took);
      ctx.audit(actor, "backup", failure.code().name(), id, AuditLog.details("type", type.name(),
          "datastores", String.join(",", ids), "reason", failure.getMessage()));
      throw failure.with("backupId", id);
    }
  }

  /** The data keys the manifest must carry: this backup's, and those of the parent's artifacts it reuses. */
  private static List<DataKey> dataKeys(String id, Artifacts.Writer artifacts, List<DatastoreManifest> sections,
      Optional<BackupManifest> parent) {
    Set<String> used = sections.stream().flatMap(s -> s.artifacts().stream()).flatMap(a -> a.dataKey().stream())
        .collect(Collectors.toCollection(TreeSet::new));
    List<DataKey> keys = new ArrayList<>();
    artifacts.dataKey().filter(k -> used.remove(k.id())).ifPresent(keys::add);
    for (String keyId : used) {
      keys.add(parent.flatMap(m -> m.dataKey(keyId)).orElseThrow(() -> new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
          "backup " + id + " reuses artifacts encrypted with data key " + keyId + ", which its parent's manifest lacks")));
    }
    return keys;
  }

  private DatastoreManifest backupOne(String backupId, String prefix, BackupType type, String dsId,
      Optional<DatastoreManifest> parentSection, Optional<String> parentId, ArtifactCodec codec) {
    Datastore ds = ctx.datastores().get(dsId);
    StorageArtifactSink sink = new StorageArtifactSink(ctx.storage(), BackupLayout.datastoreFolder(prefix, backupId, dsId),
        ctx.uploads().tracker(Optional.of(backupId)), parentId, codec);
    ProgressListener progress = new ProgressLog("backup " + backupId + " " + dsId, Duration.ofSeconds(10));
    BackupContext bc = new Contexts.Backup(backupId, type, ds.supportsIncremental() ? parentSection : Optional.empty(),
        sink, progress);
    try {
      DatastoreBackup result = Guard.run(ErrorCode.DATASTORE_FAILURE, "datastore " + dsId, () -> ds.backup(bc));
      if (!sink.openArtifacts().isEmpty()) {
        // An artifact that was never closed was never completed: the backup would silently miss it.
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "datastore " + dsId + " returned without closing artifact(s) "
            + String.join(", ", sink.openArtifacts()));
      }
      return new DatastoreManifest(dsId, ds.type(), ds.version(), result.sourceFingerprint().value(), sink.completed(),
          result.resources(), result.metadata());
    } catch (RuntimeException e) {
      sink.abortOpen();
      throw e instanceof MaintenanceException me ? me.with("datastore", dsId) : e;
    }
  }

  private void cleanUp(String id, String prefix) {
    String folder = BackupLayout.backupFolder(prefix, id) + "/";
    try (Stream<ObjectInfo> objects = ctx.storage().list(folder)) {
      for (ObjectInfo o : objects.collect(Collectors.toList())) {
        ctx.storage().delete(o.key());
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not remove what failed backup {} wrote ({}); the orphan sweep will", id, e.toString());
    }
  }
}
