package io.maintenance.core.internal.housekeeping;

import io.maintenance.api.ArtifactInfo;
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
import io.maintenance.core.internal.Json;
import io.maintenance.core.internal.ProgressLog;
import io.maintenance.core.internal.Recovery;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.backup.BackupArtifacts;
import io.maintenance.core.internal.backup.BackupService;
import io.maintenance.core.internal.backup.ManifestStore;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.Leases;
import io.maintenance.core.internal.operations.Job;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.TaskContext;
import io.maintenance.spi.TaskOutcome;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.internal.StorageArtifactSource;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Housekeeping tasks. Each run is a {@code maintenance_tasks} row with the items it did (or, in a dry
 * run, would do). Retention and the orphan sweep hold the operation lock (an exclusive lease), even in
 * a dry run, so what they report is what they would really do; VERIFY and REINDEX hold a shared lease,
 * which only keeps their row from being settled while they run. A task's overall code is the worst
 * code among its items.
 */
public final class HousekeepingService {
  private static final Logger LOG = LoggerFactory.getLogger(HousekeepingService.class);
  /** Worst first: what an item's failure says about the data, then about the infrastructure. */
  private static final List<ErrorCode> SEVERITY = List.of(ErrorCode.INTEGRITY_MISMATCH, ErrorCode.ARTIFACT_MISSING,
      ErrorCode.INCOMPATIBLE_ARTIFACT, ErrorCode.KEY_UNAVAILABLE, ErrorCode.INTERNAL_ERROR, ErrorCode.CONFIG_INVALID, ErrorCode.LEASE_LOST,
      ErrorCode.DEPENDENCY_UNAVAILABLE, ErrorCode.STORAGE_FAILURE, ErrorCode.DATASTORE_FAILURE,
      ErrorCode.OPERATION_IN_PROGRESS, ErrorCode.NOT_FOUND);
  /** What VERIFY finding means the backup's bytes are not what the manifest promises. */
  private static final List<ErrorCode> CORRUPTION = List.of(ErrorCode.INTEGRITY_MISMATCH, ErrorCode.ARTIFACT_MISSING,
      ErrorCode.INCOMPATIBLE_ARTIFACT);

  private final EngineContext ctx;
  private final ManifestStore manifests;
  private final BackupService backups;
  private final Recovery recovery;

  public HousekeepingService(EngineContext ctx, ManifestStore manifests, BackupService backups, Recovery recovery) {
    this.ctx = ctx;
    this.manifests = manifests;
    this.backups = backups;
    this.recovery = recovery;
  }

  /**
   * Checks the request and takes the task's lease: refusals are thrown (and audited) here, and a task that
   * could not start is recorded FAILED. The returned job runs the task.
   */
  public Job<TaskResult> start(TaskRequest request, String actor) {
    String action = "task." + request.type().name().toLowerCase(Locale.ROOT);
    List<String> unknown = request.datastores().stream().filter(d -> !ctx.datastores().containsKey(d)).sorted().toList();
    if (!unknown.isEmpty()) {
      MaintenanceException e = new MaintenanceException(ErrorCode.INVALID_REQUEST, "unknown datastore(s) " + String.join(", ", unknown)
          + "; configured: " + String.join(", ", new java.util.TreeSet<>(ctx.datastores().keySet())), Map.of("pointer", "/datastores"));
      ctx.audit(actor, action, e.code().name(), "-", AuditLog.details("reason", e.getMessage()));
      throw e;
    }
    String id = Ids.next("tk", ctx.clock());
    Instant started = ctx.clock().instant();
    boolean exclusive = request.type() == TaskType.RETENTION || request.type() == TaskType.ORPHAN_SWEEP
        || request.type() == TaskType.REKEY;
    Leases.Lease lease;
    try {
      lease = exclusive ? ctx.leases().exclusive(request.type().name().toLowerCase(Locale.ROOT), id, actor)
          : ctx.leases().shared(request.type().name().toLowerCase(Locale.ROOT), id, actor);
    } catch (MaintenanceException e) {
      Optional<ErrorInfo> error = Optional.of(ErrorInfo.of(e));
      try {
        ctx.tasks().insertFinished(id, request.type(), request.dryRun(), actor, started, error.get());
      } catch (MaintenanceException catalogDown) {
        e.addSuppressed(catalogDown);
      }
      record(actor, id, request, TaskStatus.FAILED, error, List.of());
      throw e;
    }
    return new Job<>(lease, () -> runLocked(id, request, actor, started, lease));
  }

  private TaskResult runLocked(String id, TaskRequest request, String actor, Instant started, Leases.Lease lease) {
    List<TaskItem> items = new ArrayList<>();
    Optional<ErrorInfo> error = Optional.empty();
    TaskStatus status;
    ctx.tasks().insertRunning(id, request.type(), request.dryRun(), actor, started, lease.id());
    lease.progress().phase(request.type().name().toLowerCase(Locale.ROOT).replace('_', ' ') + (request.dryRun() ? " (dry run)" : ""));
    try {
      switch (request.type()) {
        case RETENTION -> retention(request.dryRun(), items, lease);
        case ORPHAN_SWEEP -> sweep(actor, request.dryRun(), items, lease);
        case VERIFY -> verify(request, items, lease);
        case REINDEX -> reindex(id, request, items, lease);
        case REKEY -> rekey(request, items, lease);
        default -> throw new IllegalStateException(request.type().name());
      }
      error = worst(items);
      status = error.isPresent() ? TaskStatus.FAILED : TaskStatus.SUCCEEDED;
    } catch (RuntimeException e) {
      MaintenanceException failure = Guard.wrap(ErrorCode.INTERNAL_ERROR, request.type() + " failed", e);
      status = TaskStatus.FAILED;
      error = Optional.of(ErrorInfo.of(failure));
    }
    Instant finished = ctx.clock().instant();
    ctx.tasks().finish(id, status, items, error, finished);
    record(actor, id, request, status, error, items);
    error.ifPresent(lease::failed);
    return new TaskResult(id, request.type(), status, request.dryRun(), started, finished, items, error);
  }

  /** The worst code among failed items, with how many failed. */
  private static Optional<ErrorInfo> worst(List<TaskItem> items) {
    List<ErrorCode> failed = items.stream().map(i -> code(i.outcome())).flatMap(Optional::stream).toList();
    if (failed.isEmpty()) {
      return Optional.empty();
    }
    ErrorCode worst = failed.stream().min((a, b) -> Integer.compare(rank(a), rank(b))).orElseThrow();
    return Optional.of(new ErrorInfo(worst.name(), failed.size() + " of " + items.size() + " items failed (worst: " + worst
        + "); see the items"));
  }

  private static int rank(ErrorCode c) {
    int i = SEVERITY.indexOf(c);
    return i < 0 ? SEVERITY.size() : i;
  }

  private void record(String actor, String id, TaskRequest request, TaskStatus status, Optional<ErrorInfo> error,
      List<TaskItem> items) {
    ctx.metrics().task(request.type().name(), status.name());
    ctx.audit(actor, "task." + request.type().name().toLowerCase(Locale.ROOT),
        error.map(ErrorInfo::code).orElse("success"), id, AuditLog.details("dryRun", Boolean.toString(request.dryRun()),
            "items", Integer.toString(items.size()), "reason", error.map(ErrorInfo::message).orElse(null)));
    LOG.info("Task {} ({}{}) {} with {} items", id, request.type(), request.dryRun() ? ", dry run" : "", status, items.size());
  }

  private static Optional<ErrorCode> code(String outcome) {
    try {
      return Optional.of(ErrorCode.valueOf(outcome));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  // ---- retention -------------------------------------------------------------------------------

  private void retention(boolean dryRun, List<TaskItem> items, Leases.Lease lease) {
    List<BackupCatalog.Row> succeeded = ctx.backups().withStatus(BackupStatus.SUCCEEDED);
    List<RetentionPlanner.Candidate> candidates = succeeded.stream()
        .map(r -> new RetentionPlanner.Candidate(r.id(), r.record().startedAt(), r.record().pinned(), r.record().parentId()))
        .toList();
    RetentionPlanner.Decision decision = RetentionPlanner.plan(candidates, ctx.retentionPolicy(), ctx.clock().instant());
    decision.kept().forEach((id, reasons) -> items.add(new TaskItem(id, "keep", "kept", String.join("; ", reasons))));
    // Corrupt backups neither count towards a rule nor go: they are evidence until re-verified or deleted by a person.
    for (BackupCatalog.Row r : ctx.backups().withStatus(BackupStatus.CORRUPT)) {
      items.add(new TaskItem(r.id(), "keep", "kept", "CORRUPT (" + r.record().error().map(ErrorInfo::code).orElse("?")
          + "): not counted by retention; VERIFY it again or delete it"));
    }

    // Failed attempts older than the newest good backup are of no more use.
    Optional<Instant> newestGood = succeeded.stream().map(r -> r.record().startedAt()).max(Instant::compareTo);
    for (BackupStatus s : List.of(BackupStatus.FAILED, BackupStatus.ABANDONED)) {
      for (BackupCatalog.Row r : ctx.backups().withStatus(s)) {
        if (newestGood.isPresent() && r.record().startedAt().isBefore(newestGood.get())) {
          items.add(delete(r, dryRun, s + " before the newest succeeded backup", lease));
        }
      }
    }
    Map<String, BackupCatalog.Row> byId = succeeded.stream().collect(Collectors.toMap(BackupCatalog.Row::id, r -> r));
    ProgressListener progress = lease.progress().listener(ProgressListener.NONE);
    int done = 0;
    for (RetentionPlanner.Candidate c : decision.prune()) {
      progress.onProgress("backups pruned", done++, decision.prune().size());
      items.add(delete(byId.get(c.id()), dryRun, "no retention rule keeps it", lease));
    }
    progress.onProgress("backups pruned", done, decision.prune().size());
  }

  /** Deletes one backup (artifacts first, then the row), or says it would. */
  private TaskItem delete(BackupCatalog.Row row, boolean dryRun, String why, Leases.Lease lease) {
    if (dryRun) {
      return new TaskItem(row.id(), "delete", "would-do", why);
    }
    lease.ensureActive();
    try {
      BackupStatus status = row.record().status();
      if (status != BackupStatus.DELETING && !ctx.backups().markDeleting(row.id(), status)) {
        return new TaskItem(row.id(), "delete", ErrorCode.OPERATION_IN_PROGRESS.name(), "its state changed meanwhile");
      }
      int objects = backups.deleteArtifacts(row, lease);
      ctx.backups().delete(row.id());
      return new TaskItem(row.id(), "delete", "done", why + " (" + objects + " objects removed)");
    } catch (MaintenanceException e) {
      if (e.code() == ErrorCode.LEASE_LOST || e.code() == ErrorCode.CANCELLED) {
        throw e;
      }
      LOG.warn("Could not delete backup {}: {}", row.id(), e.toString());
      return new TaskItem(row.id(), "delete", e.code().name(), e.getMessage());
    }
  }

  // ---- orphan sweep ----------------------------------------------------------------------------

  private void sweep(String actor, boolean dryRun, List<TaskItem> items, Leases.Lease lease) {
    Instant now = ctx.clock().instant();
    String outcome = dryRun ? "would-do" : "done";
    // Only rows whose lease is gone: their process provably stopped.
    items.addAll(recovery.settle(actor, dryRun));
    if (!dryRun) {
      ctx.restores().expireAll(now).forEach(id -> items.add(new TaskItem(id, "expire-preview", "done", "past its expiry")));
    }
    for (BackupCatalog.Row r : ctx.backups().withStatus(BackupStatus.DELETING)) {
      items.add(delete(r, dryRun, "an earlier delete was interrupted", lease));
    }
    for (BackupStatus s : List.of(BackupStatus.FAILED, BackupStatus.ABANDONED)) {
      for (BackupCatalog.Row r : ctx.backups().withStatus(s)) {
        lease.ensureActive();
        try {
          int n = leftovers(r, dryRun);
          if (n > 0) {
            items.add(new TaskItem(r.id(), "delete-leftovers", outcome, n + " objects written by a " + s + " backup"));
          }
        } catch (MaintenanceException e) {
          items.add(new TaskItem(r.id(), "delete-leftovers", e.code().name(), e.getMessage()));
        }
      }
    }
    List<UploadState> sessions = ctx.uploads().all();
    for (UploadState u : sessions) {
      lease.ensureActive();
      if (dryRun) {
        items.add(new TaskItem(u.key(), "abort-upload", outcome, "session " + u.sessionId() + " with " + u.committedBytes() + " bytes committed"));
        continue;
      }
      try {
        ctx.storage().abortUpload(u);
        ctx.uploads().remove(u.sessionId());
        items.add(new TaskItem(u.key(), "abort-upload", "done", "session " + u.sessionId()));
      } catch (Exception e) {
        items.add(new TaskItem(u.key(), "abort-upload", failureCode(e), e.toString()));
      }
    }
    lease.ensureActive();
    try {
      Instant staleBefore = Instant.now().minus(ctx.partialUploadAge());
      for (String p : ctx.storage().sweepPartialUploads(sessions, staleBefore, dryRun)) {
        items.add(new TaskItem(p, "delete-partial-upload", outcome, "no upload session knows it and it was not written for "
            + ctx.partialUploadAge()));
      }
    } catch (Exception e) {
      items.add(new TaskItem(ctx.storagePrefix(), "delete-partial-upload", failureCode(e), e.toString()));
    }
    unownedObjects(dryRun, items, lease);
  }

  private static String failureCode(Exception e) {
    return e instanceof MaintenanceException me ? me.code().name() : ErrorCode.STORAGE_FAILURE.name();
  }

  /** Objects of failed or abandoned backups; returns how many there are (deleted unless dry run). */
  private int leftovers(BackupCatalog.Row r, boolean dryRun) {
    String folder = BackupLayout.backupFolder(r.storagePrefix(), r.id()) + "/";
    return Guard.run(ErrorCode.STORAGE_FAILURE, "sweeping " + r.id(), () -> {
      List<String> keys;
      try (Stream<ObjectInfo> objects = ctx.storage().list(folder)) {
        keys = objects.map(ObjectInfo::key).collect(Collectors.toList());
      }
      if (!dryRun) {
        String owner = BackupLayout.ownerKey(r.storagePrefix(), r.id());
        boolean marked = keys.remove(owner);
        for (String k : keys) {
          ctx.storage().delete(k);
        }
        if (marked) {
          ctx.storage().delete(owner);
          keys.add(owner);
        }
      }
      return keys.size();
    });
  }

  /**
   * Folders under the storage prefix that no catalog row owns: deleted only when their {@code owner.json}
   * carries this catalog's deployment id; folders of other deployments (sharing the bucket and prefix) and
   * unmarked ones are reported and kept. Entries that are not objects (symbolic links, ...) are reported.
   */
  private void unownedObjects(boolean dryRun, List<TaskItem> items, Leases.Lease lease) {
    String prefix = ctx.storagePrefix() + "/";
    Map<String, List<String>> byBackup = new LinkedHashMap<>();
    try {
      Guard.run(ErrorCode.STORAGE_FAILURE, "listing storage", () -> {
        try (Stream<ObjectInfo> objects = ctx.storage().list(prefix)) {
          objects.forEach(o -> {
            String rest = o.key().substring(prefix.length());
            int slash = rest.indexOf('/');
            String folder = slash < 0 ? rest : rest.substring(0, slash);
            byBackup.computeIfAbsent(folder, k -> new ArrayList<>()).add(o.key());
          });
        }
        for (String entry : ctx.storage().irregularEntries(prefix)) {
          items.add(new TaskItem(entry, "skip-irregular", "reported", "not a regular object (a symbolic link or special"
              + " file); never followed or deleted: remove it by hand"));
        }
        return null;
      });
    } catch (MaintenanceException e) {
      items.add(new TaskItem(prefix, "list", e.code().name(), e.getMessage()));
      return;
    }
    for (Map.Entry<String, List<String>> e : byBackup.entrySet()) {
      String folder = prefix + e.getKey() + "/";
      if (ctx.backups().exists(e.getKey())) {
        continue;
      }
      lease.ensureActive();
      try {
        Optional<String> mark = ownerOf(e.getKey(), e.getValue());
        if (mark.isEmpty() || !mark.get().equals(ctx.deploymentId())) {
          items.add(new TaskItem(folder, "skip-foreign", "reported", e.getValue().size() + " objects that no backup in this catalog"
              + " owns, " + mark.map(m -> "marked by deployment " + m).orElse("without an ownership mark")
              + "; kept (this catalog is " + ctx.deploymentId() + ")"));
          continue;
        }
        if (!dryRun) {
          String owner = prefix + e.getKey() + "/" + BackupLayout.OWNER;
          List<String> keys = new ArrayList<>(e.getValue());
          keys.remove(owner);
          for (String k : keys) {
            ctx.storage().delete(k);
          }
          ctx.storage().delete(owner);
        }
        items.add(new TaskItem(folder, "delete-unowned", dryRun ? "would-do" : "done",
            e.getValue().size() + " objects marked by this deployment that no backup in the catalog owns"));
      } catch (Exception ex) {
        items.add(new TaskItem(folder, "delete-unowned", failureCode(ex), ex.toString()));
      }
    }
  }

  /** The deployment id in a folder's {@code owner.json}, if it has a readable one. */
  private Optional<String> ownerOf(String folderName, List<String> keys) throws Exception {
    String key = ctx.storagePrefix() + "/" + folderName + "/" + BackupLayout.OWNER;
    if (!keys.contains(key)) {
      return Optional.empty();
    }
    try (InputStream in = ctx.storage().openRead(ReadRequest.whole(key))) {
      byte[] bytes = in.readNBytes(64 * 1024);
      return Optional.ofNullable(Json.MAPPER.readValue(bytes, BackupService.OwnerMark.class).deployment());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (java.io.IOException | RuntimeException e) {
      if (e instanceof MaintenanceException me && me.code() != ErrorCode.INVALID_REQUEST) {
        throw me;
      }
      return Optional.empty(); // not a mark we wrote
    }
  }

  // ---- verify ----------------------------------------------------------------------------------

  /**
   * Reads every artifact of each backup through SHA-256 and reports each bad one with its own code. A
   * backup with a missing or altered artifact (or manifest) becomes CORRUPT; one found intact again
   * becomes SUCCEEDED. Storage being unreachable says nothing about the backup and changes nothing.
   */
  private void verify(TaskRequest request, List<TaskItem> items, Leases.Lease lease) {
    List<BackupCatalog.Row> rows = new ArrayList<>();
    if (request.backupIds().isEmpty()) {
      rows.addAll(ctx.backups().withStatus(BackupStatus.SUCCEEDED));
      rows.addAll(ctx.backups().withStatus(BackupStatus.CORRUPT));
    } else {
      for (String id : request.backupIds().stream().sorted().toList()) {
        Optional<BackupCatalog.Row> r = ctx.backups().find(id);
        if (r.isEmpty()) {
          items.add(new TaskItem(id, "verify", ErrorCode.NOT_FOUND.name(), "no such backup"));
        } else if (r.get().record().manifestSha256().isEmpty()) {
          items.add(new TaskItem(id, "verify", ErrorCode.INVALID_REQUEST.name(), "backup is " + r.get().record().status()
              + "; only SUCCEEDED and CORRUPT backups have something to verify"));
        } else {
          rows.add(r.get());
        }
      }
    }
    ProgressListener progress = lease.progress().listener(new ProgressLog("verify", Duration.ofSeconds(10)));
    int done = 0;
    for (BackupCatalog.Row row : rows) {
      lease.ensureActive();
      progress.onProgress("backup " + row.id(), done++, rows.size());
      verifyOne(row, items, lease);
    }
    progress.onProgress("backups verified", done, rows.size());
  }

  private void verifyOne(BackupCatalog.Row row, List<TaskItem> items, Leases.Lease lease) {
    List<TaskItem> bad = new ArrayList<>();
    long bytes = 0;
    int artifacts = 0;
    BackupManifest m;
    try {
      m = manifests.read(row);
    } catch (MaintenanceException e) {
      bad.add(new TaskItem(row.id() + "/" + BackupLayout.MANIFEST, "verify", e.code().name(), e.getMessage()));
      m = null;
    }
    if (m != null) {
      for (DatastoreManifest section : m.datastores()) {
        StorageArtifactSource source = BackupArtifacts.stored(ctx, row, section);
        for (ArtifactInfo a : section.artifacts()) {
          lease.ensureActive();
          String target = row.id() + "/" + section.id() + "/" + a.name();
          try {
            Guard.run(ErrorCode.STORAGE_FAILURE, "reading " + target, () -> source.verify(a.name()));
            bytes += a.size();
            artifacts++;
          } catch (MaintenanceException e) {
            bad.add(new TaskItem(target, "verify", e.code().name(), e.getMessage()));
          }
        }
      }
    }
    if (ctx.backups().find(row.id()).isEmpty()) {
      return; // deleted by retention while we read it
    }
    items.addAll(bad);
    Instant now = ctx.clock().instant();
    Optional<ErrorInfo> corrupt = worst(bad.stream().filter(i -> code(i.outcome()).filter(CORRUPTION::contains).isPresent())
        .toList()).map(e -> new ErrorInfo(e.code(), bad.stream().filter(i -> i.outcome().equals(e.code()))
            .map(i -> i.target() + ": " + i.detail()).collect(Collectors.joining("; "))));
    if (corrupt.isPresent()) {
      ctx.backups().markCorrupt(row.id(), corrupt.get(), now);
      items.add(new TaskItem(row.id(), "mark-corrupt", corrupt.get().code(), bad.size() + " bad artifact(s); the backup is"
          + " CORRUPT: not restorable and not counted by retention until a VERIFY finds it intact"));
    } else if (bad.isEmpty()) {
      boolean wasCorrupt = row.record().status() == BackupStatus.CORRUPT;
      ctx.backups().markVerified(row.id(), now);
      items.add(new TaskItem(row.id(), "verify", "ok", "manifest and " + artifacts + " artifacts (" + bytes
          + " bytes) match their SHA-256" + (wasCorrupt ? "; no longer CORRUPT" : "")));
    }
  }

  // ---- rekey -----------------------------------------------------------------------------------

  /**
   * Rewraps the data keys of encrypted backups with the key-encryption key new backups use, so the
   * older key can be retired; artifacts are not touched, only manifests are rewritten (crash-safe, see
   * {@link ManifestStore#rewrite}).
   */
  private void rekey(TaskRequest request, List<TaskItem> items, Leases.Lease lease) {
    String current = ctx.artifacts().wrappingKey().orElseThrow(() -> new MaintenanceException(ErrorCode.CONFIG_INVALID,
        "REKEY rewraps data keys with the key new backups use; set artifacts.encryption first"));
    for (BackupCatalog.Row row : selected(request, items)) {
      lease.ensureActive();
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

  private void reindex(String taskId, TaskRequest request, List<TaskItem> items, Leases.Lease lease) {
    for (Map.Entry<String, Datastore> e : ctx.datastores().entrySet()) {
      if (!request.datastores().isEmpty() && !request.datastores().contains(e.getKey())) {
        continue;
      }
      lease.ensureActive();
      io.maintenance.core.internal.operations.Tracker.Part part = lease.progress().datastore(e.getKey());
      part.start(-1, false);
      ProgressListener progress = part.listener(new ProgressLog("reindex " + e.getKey(), Duration.ofSeconds(10)));
      TaskContext tc = new Contexts.Task(taskId, TaskType.REINDEX, request.dryRun(), progress, lease::ensureActive);
      try {
        TaskOutcome outcome = Guard.run(ErrorCode.DATASTORE_FAILURE, "reindex of " + e.getKey(), () -> e.getValue().housekeeping(tc));
        if (outcome.items().isEmpty()) {
          items.add(new TaskItem(e.getKey(), "reindex", "ok", "nothing to do for this datastore type"));
        }
        items.addAll(outcome.items());
        part.state(io.maintenance.api.DatastoreProgress.State.DONE);
      } catch (MaintenanceException ex) {
        part.state(io.maintenance.api.DatastoreProgress.State.FAILED);
        if (ex.code() == ErrorCode.CANCELLED || ex.code() == ErrorCode.LEASE_LOST) {
          throw ex;
        }
        items.add(new TaskItem(e.getKey(), "reindex", ex.code().name(), ex.getMessage()));
      }
    }
  }
}
