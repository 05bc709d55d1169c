package io.maintenance.core.internal.housekeeping;

import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.DataKey;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.TaskItem;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.internal.EngineContext;
import io.maintenance.core.internal.Guard;
import io.maintenance.core.internal.Ids;
import io.maintenance.core.internal.ProgressLog;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.backup.BackupService;
import io.maintenance.core.internal.backup.ManifestStore;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.OperationLock;
import io.maintenance.core.internal.restore.RestoreService;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.TaskContext;
import io.maintenance.spi.TaskOutcome;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.support.BackupLayout;
import io.maintenance.spi.support.Contexts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Housekeeping tasks. Each run is a {@code maintenance_tasks} row with the items it did (or, in a dry
 * run, would do). Retention and the orphan sweep hold the operation lock, even in a dry run, so what
 * they report is what they would really do.
 */
public final class HousekeepingService {
  private static final Logger LOG = LoggerFactory.getLogger(HousekeepingService.class);

  private final EngineContext ctx;
  private final ManifestStore manifests;
  private final BackupService backups;
  private final RestoreService restores;

  public HousekeepingService(EngineContext ctx, ManifestStore manifests, BackupService backups, RestoreService restores) {
    this.ctx = ctx;
    this.manifests = manifests;
    this.backups = backups;
    this.restores = restores;
  }

  public TaskResult run(TaskRequest request, String actor) {
    List<String> unknown = request.datastores().stream().filter(d -> !ctx.datastores().containsKey(d)).sorted().toList();
    if (!unknown.isEmpty()) {
      MaintenanceException e = new MaintenanceException(ErrorCode.INVALID_REQUEST, "unknown datastore(s) " + String.join(", ", unknown)
          + "; configured: " + String.join(", ", ctx.datastores().keySet()));
      ctx.audit(actor, "task." + request.type().name().toLowerCase(java.util.Locale.ROOT), e.code().name(), "-",
          AuditLog.details("reason", e.getMessage()));
      throw e;
    }
    String id = Ids.next("tk", ctx.clock());
    Instant started = ctx.clock().instant();
    ctx.tasks().insertRunning(id, request.type(), request.dryRun(), actor, started);
    List<TaskItem> items = new ArrayList<>();
    Optional<ErrorInfo> error = Optional.empty();
    TaskStatus status;
    try {
      switch (request.type()) {
        case RETENTION -> locked("retention", () -> retention(request.dryRun(), items));
        case ORPHAN_SWEEP -> locked("the orphan sweep", () -> sweep(id, request.dryRun(), items));
        case VERIFY -> verify(request, items);
        case REINDEX -> reindex(id, request, items);
        case REKEY -> locked("rekeying", () -> rekey(request, items));
        default -> throw new IllegalStateException(request.type().name());
      }
      long failed = items.stream().filter(i -> isFailure(i.outcome())).count();
      if (failed > 0) {
        status = TaskStatus.FAILED;
        ErrorCode code = switch (request.type()) {
          case VERIFY -> ErrorCode.INTEGRITY_MISMATCH;
          case REKEY -> items.stream().filter(i -> isFailure(i.outcome())).map(i -> ErrorCode.valueOf(i.outcome()))
              .findFirst().orElse(ErrorCode.KEY_UNAVAILABLE);
          default -> ErrorCode.STORAGE_FAILURE;
        };
        error = Optional.of(new ErrorInfo(code.name(), failed + " of " + items.size() + " items failed; see the items"));
      } else {
        status = TaskStatus.SUCCEEDED;
      }
    } catch (RuntimeException e) {
      MaintenanceException failure = Guard.wrap(ErrorCode.INTERNAL_ERROR, request.type() + " failed", e);
      status = TaskStatus.FAILED;
      error = Optional.of(ErrorInfo.of(failure));
      if (failure.code() == ErrorCode.OPERATION_IN_PROGRESS) {
        ctx.tasks().finish(id, status, items, error, ctx.clock().instant());
        record(actor, id, request, status, error, items);
        throw failure;
      }
    }
    Instant finished = ctx.clock().instant();
    ctx.tasks().finish(id, status, items, error, finished);
    record(actor, id, request, status, error, items);
    return new TaskResult(id, request.type(), status, request.dryRun(), started, finished, items, error);
  }

  private void record(String actor, String id, TaskRequest request, TaskStatus status, Optional<ErrorInfo> error,
      List<TaskItem> items) {
    ctx.metrics().task(request.type().name(), status.name());
    ctx.audit(actor, "task." + request.type().name().toLowerCase(java.util.Locale.ROOT),
        error.map(ErrorInfo::code).orElse("success"), id, AuditLog.details("dryRun", Boolean.toString(request.dryRun()),
            "items", Integer.toString(items.size()), "reason", error.map(ErrorInfo::message).orElse(null)));
    LOG.info("Task {} ({}{}) {} with {} items", id, request.type(), request.dryRun() ? ", dry run" : "", status, items.size());
  }

  private static boolean isFailure(String outcome) {
    try {
      ErrorCode.valueOf(outcome);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private void locked(String what, Runnable work) {
    try (OperationLock.Held lock = ctx.lock().acquire(what, ctx::describeBusy)) {
      work.run();
    }
  }

  // ---- retention -------------------------------------------------------------------------------

  private void retention(boolean dryRun, List<TaskItem> items) {
    List<BackupCatalog.Row> succeeded = ctx.backups().withStatus(BackupStatus.SUCCEEDED);
    List<RetentionPlanner.Candidate> candidates = succeeded.stream()
        .map(r -> new RetentionPlanner.Candidate(r.id(), r.record().startedAt(), r.record().pinned(), r.record().parentId()))
        .toList();
    RetentionPlanner.Decision decision = RetentionPlanner.plan(candidates, ctx.retentionPolicy(), ctx.clock().instant());
    decision.kept().forEach((id, reasons) -> items.add(new TaskItem(id, "keep", "kept", String.join("; ", reasons))));

    // Failed attempts older than the newest good backup are of no more use.
    Optional<Instant> newestGood = succeeded.stream().map(r -> r.record().startedAt()).max(Instant::compareTo);
    for (BackupStatus s : List.of(BackupStatus.FAILED, BackupStatus.ABANDONED)) {
      for (BackupCatalog.Row r : ctx.backups().withStatus(s)) {
        if (newestGood.isPresent() && r.record().startedAt().isBefore(newestGood.get())) {
          items.add(delete(r, dryRun, s + " before the newest succeeded backup"));
        }
      }
    }
    Map<String, BackupCatalog.Row> byId = succeeded.stream().collect(Collectors.toMap(BackupCatalog.Row::id, r -> r));
    for (RetentionPlanner.Candidate c : decision.prune()) {
      items.add(delete(byId.get(c.id()), dryRun, "no retention rule keeps it"));
    }
  }

  /** Deletes one backup (artifacts first, then the row), or says it would. */
  private TaskItem delete(BackupCatalog.Row row, boolean dryRun, String why) {
    if (dryRun) {
      return new TaskItem(row.id(), "delete", "would-do", why);
    }
    try {
      BackupStatus status = row.record().status();
      if (status != BackupStatus.DELETING && !ctx.backups().markDeleting(row.id(), status)) {
        return new TaskItem(row.id(), "delete", ErrorCode.OPERATION_IN_PROGRESS.name(), "its state changed meanwhile");
      }
      int objects = backups.deleteArtifacts(row);
      ctx.backups().delete(row.id());
      return new TaskItem(row.id(), "delete", "done", why + " (" + objects + " objects removed)");
    } catch (MaintenanceException e) {
      LOG.warn("Could not delete backup {}: {}", row.id(), e.toString());
      return new TaskItem(row.id(), "delete", e.code().name(), e.getMessage());
    }
  }

  // ---- orphan sweep ----------------------------------------------------------------------------

  private void sweep(String taskId, boolean dryRun, List<TaskItem> items) {
    Instant now = ctx.clock().instant();
    String outcome = dryRun ? "would-do" : "done";
    // We hold the operation lock, so nothing RUNNING or APPLYING is alive.
    for (BackupCatalog.Row r : ctx.backups().withStatus(BackupStatus.RUNNING)) {
      items.add(new TaskItem(r.id(), "abandon", outcome, "RUNNING but no process holds the operation lock"));
    }
    if (!dryRun) {
      ctx.backups().abandonRunning(now);
      ctx.restores().failApplying(now).forEach(id ->
          items.add(new TaskItem(id, "fail-restore", "done", "APPLYING but no process holds the operation lock")));
      ctx.tasks().failRunning(now, taskId).forEach(id ->
          items.add(new TaskItem(id, "fail-task", "done", "RUNNING but its process is gone")));
      ctx.restores().expireAll(now).forEach(id -> items.add(new TaskItem(id, "expire-preview", "done", "past its expiry")));
    }
    for (BackupCatalog.Row r : ctx.backups().withStatus(BackupStatus.DELETING)) {
      items.add(delete(r, dryRun, "an earlier delete was interrupted"));
    }
    for (BackupStatus s : List.of(BackupStatus.FAILED, BackupStatus.ABANDONED)) {
      for (BackupCatalog.Row r : ctx.backups().withStatus(s)) {
        int n = leftovers(r, dryRun);
        if (n > 0) {
          items.add(new TaskItem(r.id(), "delete-leftovers", outcome, n + " objects written by a " + s + " backup"));
        }
      }
    }
    for (UploadState u : ctx.uploads().all()) {
      if (dryRun) {
        items.add(new TaskItem(u.key(), "abort-upload", outcome, "session " + u.sessionId() + " with " + u.committedBytes() + " bytes committed"));
        continue;
      }
      try {
        ctx.storage().abortUpload(u);
        ctx.uploads().remove(u.sessionId());
        items.add(new TaskItem(u.key(), "abort-upload", "done", "session " + u.sessionId()));
      } catch (Exception e) {
        items.add(new TaskItem(u.key(), "abort-upload", ErrorCode.STORAGE_FAILURE.name(), e.toString()));
      }
    }
    unownedObjects(dryRun, items);
  }

  /** Objects of failed or abandoned backups; returns how many there are (deleted unless dry run). */
  private int leftovers(BackupCatalog.Row r, boolean dryRun) {
    String folder = BackupLayout.backupFolder(r.storagePrefix(), r.id()) + "/";
    return Guard.run(ErrorCode.STORAGE_FAILURE, "sweeping " + r.id(), () -> {
      List<String> keys;
      try (Stream<ObjectInfo> objects = ctx.storage().list(folder)) {
        keys = objects.map(ObjectInfo::key).toList();
      }
      if (!dryRun) {
        for (String k : keys) {
          ctx.storage().delete(k);
        }
      }
      return keys.size();
    });
  }

  /** Folders under the storage prefix that no catalog row owns. */
  private void unownedObjects(boolean dryRun, List<TaskItem> items) {
    String prefix = ctx.storagePrefix() + "/";
    Map<String, List<String>> byBackup = new LinkedHashMap<>();
    Guard.run(ErrorCode.STORAGE_FAILURE, "listing storage", () -> {
      try (Stream<ObjectInfo> objects = ctx.storage().list(prefix)) {
        objects.forEach(o -> {
          String rest = o.key().substring(prefix.length());
          int slash = rest.indexOf('/');
          String owner = slash < 0 ? rest : rest.substring(0, slash);
          byBackup.computeIfAbsent(owner, k -> new ArrayList<>()).add(o.key());
        });
      }
      return null;
    });
    for (Map.Entry<String, List<String>> e : byBackup.entrySet()) {
      if (ctx.backups().exists(e.getKey())) {
        continue;
      }
      if (!dryRun) {
        Guard.run(ErrorCode.STORAGE_FAILURE, "deleting unowned objects", () -> {
          for (String k : e.getValue()) {
            ctx.storage().delete(k);
          }
          return null;
        });
      }
      items.add(new TaskItem(prefix + e.getKey() + "/", "delete-unowned", dryRun ? "would-do" : "done",
          e.getValue().size() + " objects that no backup in the catalog owns"));
    }
  }

  // ---- verify ----------------------------------------------------------------------------------

  private void verify(TaskRequest request, List<TaskItem> items) {
    List<BackupCatalog.Row> rows = selected(request, items);
    ProgressListener progress = new ProgressLog("verify", Duration.ofSeconds(10));
    int done = 0;
    for (BackupCatalog.Row row : rows) {
      progress.onProgress("backup " + row.id(), done++, rows.size());
      long bytes = 0;
      try {
        BackupManifest m = manifests.read(row);
        for (DatastoreManifest section : m.datastores()) {
          var source = restores.sourceFor(row, section);
          Guard.run(ErrorCode.STORAGE_FAILURE, "reading " + section.id(), () -> {
            source.verifyAll();
            return null;
          });
          bytes += section.artifacts().stream().mapToLong(a -> a.size()).sum();
        }
        items.add(new TaskItem(row.id(), "verify", "ok", "manifest and " + bytes + " artifact bytes match their SHA-256"));
      } catch (MaintenanceException e) {
        if (ctx.backups().find(row.id()).isEmpty()) {
          continue; // deleted by retention while we read it
        }
        items.add(new TaskItem(row.id(), "verify", e.code().name(), e.getMessage()));
      }
    }
  }

  // ---- rekey -----------------------------------------------------------------------------------

  /**
   * Rewraps the data keys of encrypted backups with the key-encryption key new backups use, so the
   * older key can be retired; artifacts are not touched, only manifests are rewritten (crash-safe, see
   * {@link ManifestStore#rewrite}).
   */
  private void rekey(TaskRequest request, List<TaskItem> items) {
    String current = ctx.artifacts().wrappingKey().orElseThrow(() -> new MaintenanceException(ErrorCode.CONFIG_INVALID,
        "REKEY rewraps data keys with the key new backups use; set artifacts.encryption first"));
    for (BackupCatalog.Row row : selected(request, items)) {
      try {
        ManifestStore.Read read = manifests.readChecked(row);
        if (!Optional.of(read.sha256()).equals(row.record().manifestSha256())) {
          // An earlier REKEY wrote this manifest and stopped before recording it: record it now.
          ctx.backups().finishManifestRewrite(row.id(), read.sha256(), 0);
          row = ctx.backups().require(row.id());
        }
        BackupManifest m = read.manifest();
        List<DataKey> stale = ctx.artifacts().stale(m);
        if (m.dataKeys().isEmpty()) {
          items.add(new TaskItem(row.id(), "rekey", "ok", "not encrypted"));
          continue;
        }
        if (stale.isEmpty()) {
          items.add(new TaskItem(row.id(), "rekey", "ok", "data keys already wrapped by " + current));
          continue;
        }
        String what = stale.stream().map(k -> k.id() + " (" + k.keyId() + ")").collect(Collectors.joining(", "));
        List<String> open = ctx.restores().openPreviewsOf(row.id(), ctx.clock().instant());
        if (!open.isEmpty()) {
          // Rewriting the manifest would make their confirm refuse; the next REKEY gets this backup.
          items.add(new TaskItem(row.id(), "rekey", "skipped", "restore preview(s) " + String.join(", ", open)
              + " of this backup are open; run REKEY again once they are confirmed or expired"));
          continue;
        }
        if (request.dryRun()) {
          items.add(new TaskItem(row.id(), "rekey", "would-do", "rewrap data key(s) " + what + " with " + current));
          continue;
        }
        List<DataKey> keys = m.dataKeys().stream().map(k -> stale.contains(k) ? ctx.artifacts().rewrap(k) : k).toList();
        manifests.rewrite(row, new BackupManifest(m.formatVersion(), m.backupId(), m.type(), m.parentId(), m.startedAt(),
            m.finishedAt(), m.engineVersion(), m.datastores(), keys), read.size());
        items.add(new TaskItem(row.id(), "rekey", "done", "rewrapped data key(s) " + what + " with " + current));
      } catch (MaintenanceException e) {
        if (ctx.backups().find(row.id()).isEmpty()) {
          continue; // deleted meanwhile
        }
        LOG.warn("REKEY of backup {} failed: {}", row.id(), e.toString());
        items.add(new TaskItem(row.id(), "rekey", e.code().name(), e.getMessage()));
      }
    }
  }

  /** The backups a task names, or every succeeded one; unknown ids become NOT_FOUND items. */
  private List<BackupCatalog.Row> selected(TaskRequest request, List<TaskItem> items) {
    List<BackupCatalog.Row> rows = new ArrayList<>();
    if (request.backupIds().isEmpty()) {
      rows.addAll(ctx.backups().withStatus(BackupStatus.SUCCEEDED));
    } else {
      for (String id : request.backupIds().stream().sorted().toList()) {
        Optional<BackupCatalog.Row> r = ctx.backups().find(id);
        if (r.isEmpty()) {
          items.add(new TaskItem(id, request.type().name().toLowerCase(java.util.Locale.ROOT), ErrorCode.NOT_FOUND.name(),
              "no such backup"));
        } else {
          rows.add(r.get());
        }
      }
    }
    return rows;
  }

  // ---- reindex ---------------------------------------------------------------------------------

  private void reindex(String taskId, TaskRequest request, List<TaskItem> items) {
    for (Map.Entry<String, Datastore> e : ctx.datastores().entrySet()) {
      if (!request.datastores().isEmpty() && !request.datastores().contains(e.getKey())) {
        continue;
      }
      ProgressListener progress = new ProgressLog("reindex " + e.getKey(), Duration.ofSeconds(10));
      TaskContext tc = new Contexts.Task(taskId, TaskType.REINDEX, request.dryRun(), progress);
      try {
        TaskOutcome outcome = Guard.run(ErrorCode.DATASTORE_FAILURE, "reindex of " + e.getKey(), () -> e.getValue().housekeeping(tc));
        if (outcome.items().isEmpty()) {
          items.add(new TaskItem(e.getKey(), "reindex", "ok", "nothing to do for this datastore type"));
        }
        items.addAll(outcome.items());
      } catch (MaintenanceException ex) {
        items.add(new TaskItem(e.getKey(), "reindex", ex.code().name(), ex.getMessage()));
      }
    }
  }
}
