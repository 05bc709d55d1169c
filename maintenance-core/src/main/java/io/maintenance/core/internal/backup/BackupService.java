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
import io.maintenance.api.Inputs;
import io.maintenance.api.MaintenanceException;
import io.maintenance.core.internal.EngineContext;
import io.maintenance.core.internal.Guard;
import io.maintenance.core.internal.Ids;
import io.maintenance.core.internal.ProgressLog;
import io.maintenance.core.internal.artifacts.Artifacts;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.Json;
import io.maintenance.core.internal.catalog.Leases;
import io.maintenance.core.internal.operations.CountingStorage;
import io.maintenance.core.internal.operations.Job;
import io.maintenance.core.internal.operations.Tracker;
import io.maintenance.api.DatastoreProgress;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.internal.ArtifactCodec;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.internal.StorageArtifactSink;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
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

  /**
   * Checks the request and takes the operation lock: refusals are thrown (and audited) here, before anything
   * starts. The returned job runs the backup, in the caller's thread or in the background.
   */
  public Job<BackupRecord> start(BackupRequest request, String actor) {
    List<String> ids;
    try {
      ids = select(request);
    } catch (MaintenanceException e) {
      ctx.metrics().refused(e.code());
      ctx.audit(actor, "backup", e.code().name(), "-", AuditLog.details("reason", e.getMessage()));
      throw e;
    }
    String id = Ids.next("bk", ctx.clock());
    Leases.Lease lease;
    try {
      lease = ctx.leases().exclusive("backup", id, actor);
    } catch (MaintenanceException e) {
      ctx.audit(actor, "backup", e.code().name(), "-", AuditLog.details("reason", e.getMessage()));
      ctx.metrics().backup(BackupStatus.FAILED, ctx.storage().name(), request.type().name(), Duration.ZERO);
      throw e;
    }
    lease.progress().plan(ids);
    return new Job<>(lease, () -> runLocked(id, request, ids, actor, lease, lease.progress()));
  }

  /** Runs a backup under a lease the caller holds (the safety backup of a restore), tracked apart from the caller's progress. */
  public BackupRecord backupLocked(BackupRequest request, String actor, Leases.Lease lease) {
    return runLocked(Ids.next("bk", ctx.clock()), request, select(request), actor, lease, new Tracker());
  }

  /** Deletes a backup: artifacts first, then its row. */
  public Job<Void> delete(String backupId, String actor) {
    Inputs.id("/backupId", backupId);
    Leases.Lease lease;
    try {
      lease = ctx.leases().exclusive("backup.delete", backupId, actor);
    } catch (MaintenanceException e) {
      ctx.audit(actor, "backup.delete", e.code().name(), backupId, Map.of("reason", e.getMessage()));
      throw e;
    }
    return new Job<>(lease, () -> {
      deleteLocked(backupId, actor, lease);
      return null;
    });
  }

  private void deleteLocked(String backupId, String actor, Leases.Lease lease) {
    lease.progress().phase("deleting " + backupId);
    try {
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
      int deleted = deleteArtifacts(row, lease);
      ctx.backups().delete(backupId);
      ctx.audit(actor, "backup.delete", "success", backupId, Map.of("objectsDeleted", Integer.toString(deleted)));
    } catch (MaintenanceException e) {
      ctx.audit(actor, "backup.delete", e.code().name(), backupId, Map.of("reason", e.getMessage()));
      throw e;
    }
  }

  /** Deletes every object in the backup's folder (the manifest first); returns how many. Stops when the lease is lost. */
  public int deleteArtifacts(BackupCatalog.Row row, Leases.Lease lease) {
    String folder = BackupLayout.backupFolder(row.storagePrefix(), row.id()) + "/";
    return Guard.run(ErrorCode.STORAGE_FAILURE, "deleting the artifacts of " + row.id(), () -> {
      List<String> keys;
      try (Stream<ObjectInfo> objects = ctx.storage().list(folder)) {
        keys = objects.map(ObjectInfo::key).collect(Collectors.toList());
      }
      // The manifest goes first: an interrupted delete must not leave something that looks like a complete backup.
      String manifest = BackupLayout.manifestKey(row.storagePrefix(), row.id());
      if (keys.remove(manifest)) {
        lease.ensureActive();
        ctx.storage().delete(manifest);
      }
      // The ownership mark goes last: until then the sweep knows the folder is ours.
      String owner = BackupLayout.ownerKey(row.storagePrefix(), row.id());
      boolean marked = keys.remove(owner);
      for (String k : keys) {
        lease.ensureActive();
        ctx.storage().delete(k);
      }
      if (marked) {
        ctx.storage().delete(owner);
      }
      return keys.size() + (marked ? 2 : 1);
    });
  }

  private List<String> select(BackupRequest request) {
    if (request.datastores().isEmpty()) {
      return new ArrayList<>(ctx.datastores().keySet());
    }
    List<String> unknown = request.datastores().stream().filter(id -> !ctx.datastores().containsKey(id)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "unknown datastore(s) " + String.join(", ", unknown)
          + "; configured: " + String.join(", ", ctx.datastores().keySet()),
          Map.of("unknown", String.join(",", unknown), "pointer", "/datastores"));
    }
    return ctx.datastores().keySet().stream().filter(request.datastores()::contains).toList();
  }

  private BackupRecord runLocked(String id, BackupRequest request, List<String> ids, String actor, Leases.Lease lease,
      Tracker progress) {
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
    String prefix = ctx.storagePrefix();
    Map<String, Long> estimates = estimates(type);
    ctx.backups().insertRunning(id, type, parent.map(BackupCatalog.Row::id), ids, ctx.storage().name(), prefix, actor,
        ctx.owner(), started, request.pinned(), request.labels(), lease.id());
    LOG.info("Backup {} started ({} of {}) by {}", id, type, ids, actor);
    // Set when the storage itself failed unreachable: cleaning up would only wait out its deadline again.
    AtomicBoolean storageUnreachable = new AtomicBoolean();
    // Set once the success is being recorded: a failure from then on may hide a commit whose answer was lost,
    // so what was written is never cleaned up from then on.
    boolean recording = false;
    try {
      // The data key is made first (a KMS problem fails before anything is written), then the storage is
      // checked by a real write before any datastore opens a snapshot.
      Artifacts.Writer artifacts = ctx.artifacts().writer(id);
      progress.phase("checking the storage");
      storageRun(storageUnreachable, () -> markOwner(prefix, id));
      List<DatastoreManifest> sections = new ArrayList<>();
      for (String dsId : ids) {
        lease.ensureActive();
        Optional<DatastoreManifest> parentSection = parentManifest.flatMap(m -> m.datastore(dsId));
        progress.phase("backing up " + dsId);
        Tracker.Part part = progress.datastore(dsId);
        Long estimate = estimates.get(dsId);
        part.start(estimate == null ? -1 : estimate, true);
        try {
          sections.add(backupOne(id, prefix, type, dsId, parentSection, parent.map(BackupCatalog.Row::id),
              artifacts.codec(dsId), lease, storageUnreachable, part));
        } catch (RuntimeException e) {
          part.state(DatastoreProgress.State.FAILED);
          throw e;
        }
        part.state(DatastoreProgress.State.DONE);
      }
      progress.phase("writing the manifest");
      BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, id, type, parent.map(BackupCatalog.Row::id),
          started, ctx.clock().instant(), ctx.engineVersion(), sections, dataKeys(id, artifacts, sections, parentManifest));
      lease.ensureActive();
      ManifestStore.Written written = storageStep(storageUnreachable, () -> manifests.write(prefix, manifest));
      long bytes = written.size() + sections.stream().flatMap(s -> s.artifacts().stream())
          .filter(a -> a.heldBy().isEmpty()).mapToLong(ArtifactInfo::size).sum();
      int count = sections.stream().mapToInt(s -> s.artifacts().size()).sum();
      lease.ensureActive(); // a cancel that came while the manifest was written still removes everything
      progress.phase("recording the backup");
      recording = true;
      ctx.backups().markSucceeded(id, written.sha256(), bytes, count, ctx.clock().instant(), lease.id());
      // From here on nothing may fail the backup into a clean-up: it is recorded as succeeded.
      return succeeded(ctx.backups().require(id).record(), actor, type, ids, parent.map(BackupCatalog.Row::id), t0, "");
    } catch (RuntimeException e) {
      MaintenanceException failure = Guard.wrap(ErrorCode.INTERNAL_ERROR, "backup " + id + " failed", e);
      boolean markedFailed = false;
      try {
        markedFailed = ctx.backups().markFailed(id, ErrorInfo.of(failure), ctx.clock().instant());
      } catch (MaintenanceException catalogDown) {
        // The row stays RUNNING under this lease; once the lease expires, recovery or the sweep settles it.
        LOG.warn("Backup {}: could not record the failure ({}); it is settled when its lease expires", id, catalogDown.toString());
      }
      Optional<BackupRecord> committed = recording && !markedFailed ? committed(id) : Optional.empty();
      if (committed.isPresent()) {
        // The catalog committed the success and only its answer was lost: the backup succeeded.
        LOG.warn("Backup {}: the catalog's answer to recording the success was lost ({}), but the success was committed",
            id, failure.toString());
        return succeeded(committed.get(), actor, type, ids, parent.map(BackupCatalog.Row::id), t0, "answer lost, commit confirmed");
      }
      LOG.error("Backup {} failed: {}", id, failure.toString());
      if (failure.code() != ErrorCode.LEASE_LOST && !storageUnreachable.get() && !recording) {
        progress.phase("removing what it wrote");
        cleanUp(id, prefix);
      } else {
        // Cleaning up would wait out the storage deadline again, run without the lease, or delete a backup whose
        // success the catalog may have committed: the sweep does it, once the row says what happened.
        LOG.warn("Backup {}: leaving what it wrote to the orphan sweep ({})", id, failure.code());
      }
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      ctx.metrics().backup(BackupStatus.FAILED, ctx.storage().name(), type.name(), took);
      ctx.audit(actor, "backup", failure.code().name(), id, AuditLog.details("type", type.name(),
          "datastores", String.join(",", ids), "reason", failure.getMessage()));
      throw failure.with("backupId", id);
    }
  }

  private BackupRecord succeeded(BackupRecord r, String actor, BackupType type, List<String> ids, Optional<String> parentId,
      long t0, String note) {
    String id = r.id();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    LOG.info("Backup {} succeeded: {} artifacts, {} bytes in {} ms", id, r.artifactCount(), r.totalBytes(), took.toMillis());
    ctx.metrics().backup(BackupStatus.SUCCEEDED, ctx.storage().name(), type.name(), took);
    ctx.audit(actor, "backup", "success", id, AuditLog.details("type", type.name(),
        "datastores", String.join(",", ids), "bytes", Long.toString(r.totalBytes()),
        "artifacts", Integer.toString(r.artifactCount()), "parent", parentId.orElse(null),
        "durationMs", Long.toString(took.toMillis()), "note", note.isEmpty() ? null : note));
    return r;
  }

  /** The backup's row if the catalog, asked again, says its success was committed (empty if not, or if it cannot say). */
  private Optional<BackupRecord> committed(String id) {
    try {
      return ctx.backups().find(id).map(BackupCatalog.Row::record).filter(r -> r.status() == BackupStatus.SUCCEEDED);
    } catch (MaintenanceException e) {
      return Optional.empty();
    }
  }

  /** Runs one storage step, noting whether it failed because the storage could not be reached. */
  private static <T> T storageStep(AtomicBoolean unreachable, Supplier<T> step) {
    try {
      return step.get();
    } catch (MaintenanceException e) {
      unreachable.compareAndSet(false, e.code() == ErrorCode.DEPENDENCY_UNAVAILABLE);
      throw e;
    }
  }

  private static void storageRun(AtomicBoolean unreachable, Runnable step) {
    storageStep(unreachable, () -> {
      step.run();
      return null;
    });
  }

  /** Marks the backup's folder as this catalog's (the orphan sweep deletes only folders that carry the mark). */
  private void markOwner(String prefix, String backupId) {
    byte[] bytes = Json.writePretty(new OwnerMark(ctx.deploymentId(), backupId, ctx.owner()));
    Guard.run(ErrorCode.STORAGE_FAILURE, "writing to storage", () -> {
      try (Upload u = ctx.storage().startUpload(BackupLayout.ownerKey(prefix, backupId), UploadOptions.of("application/json"))) {
        u.write(bytes, 0, bytes.length);
        return u.complete();
      }
    });
  }

  /** {@code owner.json}: which deployment (catalog) wrote a backup folder. */
  public record OwnerMark(String deployment, String backupId, String writtenBy) {}

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

  /** Per datastore, what its last succeeded backup of this type stored: what this one's progress is measured against. */
  private Map<String, Long> estimates(BackupType type) {
    try {
      return ctx.operations().lastBackupBytes(type.name());
    } catch (MaintenanceException e) {
      LOG.debug("No size estimates for the backup's progress: {}", e.toString());
      return Map.of();
    }
  }

  private DatastoreManifest backupOne(String backupId, String prefix, BackupType type, String dsId,
      Optional<DatastoreManifest> parentSection, Optional<String> parentId, ArtifactCodec codec, Leases.Lease lease,
      AtomicBoolean storageUnreachable, Tracker.Part part) {
    Datastore ds = ctx.datastores().get(dsId);
    StorageArtifactSink sink = new StorageArtifactSink(new CountingStorage(ctx.storage(), part::addBytes),
        BackupLayout.datastoreFolder(prefix, backupId, dsId), ctx.uploads().tracker(Optional.of(backupId), lease::ensureActive),
        parentId, codec);
    ProgressListener progress = part.listener(new ProgressLog("backup " + backupId + " " + dsId, Duration.ofSeconds(10)));
    BackupContext bc = new Contexts.Backup(backupId, type, ds.supportsIncremental() ? parentSection : Optional.empty(),
        sink, progress, lease::ensureActive);
    try {
      DatastoreBackup result = Guard.run(ErrorCode.DATASTORE_FAILURE, "datastore " + dsId, () -> ds.backup(bc));
      if (!sink.openArtifacts().isEmpty()) {
        // An artifact that was never closed was never completed: the backup would silently miss it.
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "datastore " + dsId + " returned without closing artifact(s) "
            + String.join(", ", sink.openArtifacts()));
      }
      if (sink.firstFailure().isPresent()) {
        storageUnreachable.set(sink.firstFailure().get().code() == ErrorCode.DEPENDENCY_UNAVAILABLE);
        // The datastore went on after an artifact failed to store: the backup would silently miss it.
        throw sink.firstFailure().get();
      }
      return new DatastoreManifest(dsId, ds.type(), ds.version(), result.sourceFingerprint().value(), sink.completed(),
          result.resources(), result.metadata());
    } catch (RuntimeException e) {
      sink.firstFailure().ifPresent(f -> storageUnreachable.set(f.code() == ErrorCode.DEPENDENCY_UNAVAILABLE));
      sink.abortOpen();
      if (lease.causeOf(e) instanceof MaintenanceException stop && stop.code() == ErrorCode.CANCELLED) {
        throw stop.with("datastore", dsId);
      }
      // What the datastore throws after a storage write failed (a cancelled statement, a closed pipe) is a
      // consequence; the storage failure is the first cause and is what the caller must see.
      MaintenanceException first = sink.firstFailure().filter(f -> f != e).map(f -> {
        MaintenanceException cause = new MaintenanceException(f.code(), f.getMessage(), f.details(), f);
        cause.addSuppressed(e);
        return cause;
      }).orElse(null);
      if (first != null) {
        throw first.with("datastore", dsId);
      }
      throw e instanceof MaintenanceException me ? me.with("datastore", dsId) : e;
    }
  }

  private void cleanUp(String id, String prefix) {
    String folder = BackupLayout.backupFolder(prefix, id) + "/";
    String owner = BackupLayout.ownerKey(prefix, id);
    try (Stream<ObjectInfo> objects = ctx.storage().list(folder)) {
      List<String> keys = objects.map(ObjectInfo::key).collect(Collectors.toList());
      boolean marked = keys.remove(owner);
      for (String k : keys) {
        ctx.storage().delete(k);
      }
      if (marked) {
        ctx.storage().delete(owner);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not remove what failed backup {} wrote ({}); the orphan sweep will", id, e.toString());
    }
  }
}
