package io.maintenance.core.internal.restore;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.Inputs;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.api.RestorePlan;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRecord;
import io.maintenance.api.RestoreRequest;
import io.maintenance.core.internal.EngineContext;
import io.maintenance.core.internal.Guard;
import io.maintenance.core.internal.Ids;
import io.maintenance.core.internal.Json;
import io.maintenance.core.internal.ProgressLog;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.backup.BackupArtifacts;
import io.maintenance.core.internal.backup.BackupService;
import io.maintenance.core.internal.backup.ManifestStore;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.Leases;
import io.maintenance.core.internal.catalog.RestoreCatalog;
import io.maintenance.core.internal.operations.CountingStorage;
import io.maintenance.core.internal.operations.Job;
import io.maintenance.core.internal.operations.Tracker;
import io.maintenance.api.DatastoreProgress;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.internal.ArtifactCodec;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.support.Digests;
import io.maintenance.spi.internal.StorageArtifactSource;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restore state machine: preview (integrity, dry-run plan, live fingerprint, hashed single-use
 * token) -> approvals (four eyes, one vote each) -> confirm (token, expiry, approvals and drift
 * checks under the operation lock, optional safety backup, apply, verify against the plan).
 */
public final class RestoreService {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreService.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String TOKEN_PREFIX = "mrt_";
  /** What a token this service issued can look like; anything else is refused before it is hashed or looked up. */
  private static final Pattern TOKEN_SHAPE = Pattern.compile("[A-Za-z0-9_-]{1,200}");

  private final EngineContext ctx;
  private final ManifestStore manifests;
  private final BackupService backups;

  public RestoreService(EngineContext ctx, ManifestStore manifests, BackupService backups) {
    this.ctx = ctx;
    this.manifests = manifests;
    this.backups = backups;
  }

  // ---- preview ---------------------------------------------------------------------------------

  public RestorePreview preview(RestoreRequest request, String actor) {
    long t0 = System.nanoTime();
    int approvals = ctx.restorePolicy().approvalsRequired();
    try {
      BackupCatalog.Row backup = ctx.backups().require(request.backupId());
      requireRestorable(backup);
      BackupManifest manifest = manifests.read(backup);
      List<DatastoreManifest> selected = select(manifest, request.datastores());

      String requestId = Ids.next("rr", ctx.clock());
      List<DatastorePlan> plans = new ArrayList<>();
      Map<String, Fingerprint> fingerprints = new LinkedHashMap<>();
      Map<String, Map<String, String>> versions = new TreeMap<>();
      Map<String, Set<String>> resources = selectResources(manifest, selected, request);
      for (DatastoreManifest section : selected) {
        Datastore ds = ctx.datastores().get(section.id());
        StorageArtifactSource source = sourceFor(backup, manifest, section);
        // Every artifact is checked now and its storage version kept: confirm reads exactly these bytes.
        versions.put(section.id(), Guard.run(ErrorCode.STORAGE_FAILURE, "checking the artifacts of " + section.id(),
            source::verifyAll));
        Set<String> chosen = resources.getOrDefault(section.id(), Set.of());
        DatastorePlan plan = Guard.run(ErrorCode.DATASTORE_FAILURE, "planning the restore of " + section.id(),
            () -> ds.plan(context(requestId, backup.id(), section, source, chosen, request.options(), Optional.empty(),
                Contexts.ALWAYS_ACTIVE)));
        plans.add(plan);
        fingerprints.put(section.id(), fingerprint(ds, section, chosen));
      }
      RestorePlan plan = new RestorePlan(backup.id(), plans);
      String token = newToken();
      Instant now = ctx.clock().instant();
      Instant expires = now.plus(ctx.restorePolicy().tokenTtl());
      boolean safety = request.safetyBackup().orElse(ctx.restorePolicy().safetyBackup());
      ctx.restores().insert(new RestoreCatalog.NewRequest(requestId, backup.id(), actor,
          selected.stream().map(DatastoreManifest::id).toList(), resources, request.options(), safety, hashToken(token), plan,
          Digests.sha256Hex(Json.write(plan)), backup.record().manifestSha256().orElseThrow(), fingerprints, versions, approvals,
          now, expires));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      ctx.metrics().restore("preview", "SUCCEEDED", approvals > 0, ctx.storage().name(), took);
      ctx.audit(actor, "restore.preview", "success", requestId, AuditLog.details("backupId", backup.id(),
          "datastores", String.join(",", fingerprints.keySet()), "approvalsRequired", Integer.toString(approvals),
          "expiresAt", expires.toString(), "safetyBackup", Boolean.toString(safety)));
      LOG.info("Restore {} of backup {} previewed by {}; expires {}", requestId, backup.id(), actor, expires);
      return new RestorePreview(requestId, token, plan, expires, approvals);
    } catch (RuntimeException e) {
      MaintenanceException failure = Guard.wrap(ErrorCode.INTERNAL_ERROR, "restore preview failed", e);
      ctx.metrics().restore("preview", failure.code().name(), approvals > 0, ctx.storage().name(),
          Duration.ofNanos(System.nanoTime() - t0));
      ctx.audit(actor, "restore.preview", failure.code().name(), request.backupId(),
          AuditLog.details("backupId", request.backupId(), "reason", failure.getMessage()));
      throw failure;
    }
  }

  // ---- approve ---------------------------------------------------------------------------------

  public RestoreRecord approve(String requestId, String comment, String actor) {
    try {
      Inputs.id("/requestId", requestId);
      Inputs.comment("/comment", comment);
      RestoreCatalog.Row row = ctx.restores().require(requestId);
      RestoreRecord r = row.record();
      if (r.requestedBy().equals(actor)) {
        throw new MaintenanceException(ErrorCode.SELF_APPROVAL_FORBIDDEN, actor + " requested restore " + requestId
            + " and cannot approve it; someone else must", Map.of("requestId", requestId));
      }
      checkOpen(row);
      if (!ctx.restores().addApproval(requestId, actor, comment, ctx.clock().instant())) {
        throw new MaintenanceException(ErrorCode.INVALID_REQUEST, actor + " already approved restore " + requestId
            + "; each person votes once", Map.of("requestId", requestId));
      }
      ctx.metrics().approval("accepted");
      RestoreRecord updated = ctx.restores().require(requestId).record();
      ctx.audit(actor, "restore.approve", "success", requestId, AuditLog.details("approvals",
          updated.approvals().size() + "/" + updated.approvalsRequired(), "comment", comment));
      return updated;
    } catch (MaintenanceException e) {
      ctx.metrics().approval("rejected");
      ctx.audit(actor, "restore.approve", e.code().name(), requestId, AuditLog.details("reason", e.getMessage()));
      throw e;
    }
  }

  // ---- confirm ---------------------------------------------------------------------------------

  /**
   * Checks the token, its expiry and the approvals and takes the operation lock: refusals are thrown (and
   * audited) here. The returned job checks again under the lock, looks for drift and applies.
   */
  public Job<RestoreRecord> startConfirm(String token, String actor) {
    long t0 = System.nanoTime();
    RestoreCatalog.Row row = null;
    try {
      if (token == null || !TOKEN_SHAPE.matcher(token).matches()) {
        throw new MaintenanceException(ErrorCode.TOKEN_INVALID, "the restore token does not match any preview");
      }
      row = ctx.restores().findByTokenHash(hashToken(token)).orElseThrow(() ->
          new MaintenanceException(ErrorCode.TOKEN_INVALID, "the restore token does not match any preview"));
      checkOpen(row);
      checkApprovals(row.record());
      Leases.Lease lease;
      try {
        lease = ctx.leases().exclusive("restore", row.id(), actor);
      } catch (MaintenanceException e) {
        if (e.code() == ErrorCode.OPERATION_IN_PROGRESS) {
          if (e.details().getOrDefault("runningOperation", "").startsWith("restore " + row.id() + " ")) {
            // Another confirm of this very request holds the lock: a retry can only ever find the token used.
            throw new MaintenanceException(ErrorCode.TOKEN_CONSUMED, "restore " + row.id() + " is being confirmed by another"
                + " request; the token is used by it", Map.of("status", "APPLYING"));
          }
          checkOpen(ctx.restores().require(row.id())); // it may have been confirmed meanwhile
        }
        throw e;
      }
      String requestId = row.id();
      lease.progress().plan(row.record().datastores());
      return new Job<>(lease, () -> {
        RestoreCatalog.Row current = null;
        try {
          current = ctx.restores().require(requestId);
          checkOpen(current);
          checkApprovals(current.record());
          return applyLocked(current, actor, t0, lease);
        } catch (MaintenanceException e) {
          throw refused(e, current, actor, t0);
        }
      });
    } catch (MaintenanceException e) {
      throw refused(e, row, actor, t0);
    }
  }

  /** Counts, audits and returns a confirm's failure. */
  private MaintenanceException refused(MaintenanceException e, RestoreCatalog.Row row, String actor, long t0) {
    String target = row == null ? "-" : row.id();
    boolean needsApproval = row != null && row.record().approvalsRequired() > 0;
    ctx.metrics().restore("apply", e.code().name(), needsApproval, ctx.storage().name(), Duration.ofNanos(System.nanoTime() - t0));
    ctx.audit(actor, "restore.confirm", e.code().name(), target, AuditLog.details("reason", e.getMessage()));
    return row == null ? e : e.with("requestId", row.id());
  }

  private RestoreRecord applyLocked(RestoreCatalog.Row row, String actor, long t0, Leases.Lease lease) {
    RestoreRecord r = row.record();
    Tracker progress = lease.progress();
    progress.phase("checking the backup and the target");
    BackupCatalog.Row backup = ctx.backups().find(r.backupId()).orElseThrow(() -> new MaintenanceException(ErrorCode.NOT_FOUND,
        "backup " + r.backupId() + " was deleted after the preview", Map.of("backupId", r.backupId())));
    if (!backup.record().manifestSha256().equals(Optional.of(row.manifestSha256()))) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "backup " + r.backupId() + " changed after the preview");
    }
    if (backup.record().status() == BackupStatus.CORRUPT) {
      requireRestorable(backup);
    }
    BackupManifest manifest = manifests.read(backup);
    List<DatastoreManifest> sections = r.datastores().stream()
        .map(id -> manifest.datastore(id).orElseThrow(() -> new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
            "datastore " + id + " vanished from the manifest of " + r.backupId())))
        .toList();
    checkDrift(row, sections);
    // A cancel up to here leaves the request PREVIEWED: its token can still be confirmed.
    lease.ensureActive();

    Instant now = ctx.clock().instant();
    if (!ctx.restores().consume(row.id(), actor, now, lease.id())) {
      // Someone else consumed, it expired, an approval vanished, or the lease was lost in between: report which.
      lease.ensureActive();
      RestoreCatalog.Row current = ctx.restores().require(row.id());
      checkOpen(current);
      checkApprovals(current.record());
      throw new MaintenanceException(ErrorCode.TOKEN_CONSUMED, "the restore token was used by another confirm");
    }
    LOG.info("Restore {} of backup {} confirmed by {}; applying", row.id(), r.backupId(), actor);
    List<ResourceSummary> applied = new ArrayList<>();
    Optional<String> safetyId = Optional.empty();
    List<String> done = new ArrayList<>();
    try {
      // Every artifact the restore depends on must still be the version the preview verified.
      progress.phase("checking the artifacts");
      Map<String, StorageArtifactSource> sources = new LinkedHashMap<>();
      for (DatastoreManifest section : sections) {
        Tracker.Part part = progress.datastore(section.id());
        StorageArtifactSource source = BackupArtifacts.open(ctx, backup, section, ctx.artifacts().reader(manifest, section),
            new CountingStorage(ctx.storage(), part::addBytes))
            .pinnedTo(row.artifactVersions().getOrDefault(section.id(), Map.of()));
        Guard.run(ErrorCode.STORAGE_FAILURE, "checking the artifacts of " + section.id(), () -> {
          source.checkPinned();
          return null;
        });
        sources.put(section.id(), source);
      }
      if (row.safetyBackup()) {
        lease.ensureActive();
        progress.phase("taking the safety backup");
        BackupRecord safety = backups.backupLocked(BackupRequest.builder().datastores(Set.copyOf(r.datastores()))
            .label("safety-for", row.id()).build(), actor, lease);
        safetyId = Optional.of(safety.id());
        ctx.restores().recordSafetyBackup(row.id(), safety.id());
      }
      Map<String, DatastorePlan> plans = r.plan().datastores().stream()
          .collect(Collectors.toMap(DatastorePlan::datastoreId, p -> p));
      List<String> ids = sections.stream().map(DatastoreManifest::id).toList();
      for (DatastoreManifest section : sections) {
        Datastore ds = ctx.datastores().get(section.id());
        Tracker.Part part = progress.datastore(section.id());
        RestoreContext rc = context(row.id(), backup.id(), section, sources.get(section.id()),
            row.resourcesOf(section.id()), row.options(), Optional.of(plans.get(section.id())), lease::ensureActive, part);
        List<String> notStarted = ids.subList(ids.indexOf(section.id()), ids.size());
        try {
          lease.ensureActive();
        } catch (MaintenanceException e) {
          throw partial(e, Optional.empty(), done, notStarted, safetyId);
        }
        RestoreOutcome outcome;
        try {
          progress.phase("applying " + section.id());
          part.start(section.artifacts().stream().mapToLong(ArtifactInfo::size).sum(), false);
          ctx.restores().markDatastoreApplying(row.id(), section.id(), lease.id());
          outcome = Guard.run(ErrorCode.DATASTORE_FAILURE, "restoring " + section.id(), () -> ds.restore(rc));
        } catch (MaintenanceException e) {
          part.state(DatastoreProgress.State.ROLLED_BACK); // its restore is all-or-nothing
          throw partial((MaintenanceException) lease.causeOf(e), Optional.of(section.id()), done,
              notStarted.subList(1, notStarted.size()), safetyId);
        }
        // From here the datastore holds the backup's data, whatever happens to this process or its lease.
        done.add(section.id());
        part.state(DatastoreProgress.State.DONE);
        recordApplied(row.id(), section.id());
        applied.addAll(outcome.resources());
        verify(plans.get(section.id()), outcome);
      }
      progress.phase("recording the restore");
    } catch (RuntimeException e) {
      MaintenanceException failure = Guard.wrap(ErrorCode.INTERNAL_ERROR, "restore " + row.id() + " failed", e);
      if (safetyId.isPresent()) {
        failure = failure.with("safetyBackupId", safetyId.get());
      }
      LOG.error("Restore {} failed: {}", row.id(), failure.toString());
      try {
        ctx.restores().markFailed(row.id(), ErrorInfo.of(failure), applied, ctx.clock().instant());
      } catch (MaintenanceException catalogDown) {
        // The row stays APPLYING with its apply state; once the lease expires it is reconciled.
        LOG.warn("Restore {}: could not record the failure ({}); it is reconciled when its lease expires", row.id(),
            catalogDown.toString());
      }
      throw failure;
    }
    // Every datastore applied: from here on a failure to record it must never turn into FAILED.
    try {
      if (!ctx.restores().markApplied(row.id(), applied, ctx.clock().instant())) {
        LOG.error("Restore {} applied, but its row was settled meanwhile and could not be corrected", row.id());
      }
    } catch (MaintenanceException e) {
      LOG.error("Restore {} applied, but the catalog could not record it ({}); it stays APPLYING and is reconciled as"
          + " APPLIED once its lease expires", row.id(), e.toString());
      throw new MaintenanceException(e.code(), "restore " + row.id() + " was applied, but the catalog could not record it ("
          + e.getMessage() + "); it is recorded as APPLIED when the catalog is back and its lease has expired",
          Map.of("applied", "true"), e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    ctx.metrics().restore("apply", "SUCCEEDED", r.approvalsRequired() > 0, ctx.storage().name(), took);
    ctx.audit(actor, "restore.confirm", "success", row.id(), AuditLog.details("backupId", r.backupId(),
        "datastores", String.join(",", r.datastores()), "safetyBackupId", safetyId.orElse(null),
        "approvers", r.approvals().stream().map(a -> a.approver()).collect(Collectors.joining(",")),
        "durationMs", Long.toString(took.toMillis())));
    LOG.info("Restore {} applied in {} ms", row.id(), took.toMillis());
    return ctx.restores().require(row.id()).record();
  }

  /** Records that a datastore applied; a catalog outage here must not turn a success into a failure. */
  private void recordApplied(String requestId, String datastoreId) {
    try {
      ctx.restores().markDatastoreApplied(requestId, datastoreId);
    } catch (MaintenanceException e) {
      LOG.warn("Restore {}: could not record that {} applied ({}); reconciliation will find it", requestId, datastoreId,
          e.toString());
    }
  }

  // ---- reconciliation --------------------------------------------------------------------------

  /** How a restore whose process stopped while applying was settled. */
  public record Reconciled(String requestId, RestoreStatus status, String decision) {}

  /**
   * Settles an APPLYING request whose lease is gone by looking at what the datastores hold now. A
   * datastore recorded as applied is applied. One whose restore was called but never returned is
   * compared with the preview: if its live fingerprint still equals the one the preview (and confirm's
   * drift check) saw, its all-or-nothing restore did not commit; otherwise it is planned again and counts
   * as applied when the live data is what the approved plan said the restore produces. Returns empty
   * when that cannot be decided now (a datastore unreachable): the row stays APPLYING for a later try.
   */
  public Optional<Reconciled> reconcile(RestoreCatalog.Row row, String actor) {
    RestoreRecord r = row.record();
    List<String> applied = new ArrayList<>();
    List<String> notApplied = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    List<ResourceSummary> resources = new ArrayList<>();
    Map<String, DatastorePlan> plans = r.plan().datastores().stream().collect(Collectors.toMap(DatastorePlan::datastoreId, p -> p));
    for (String dsId : r.datastores()) {
      RestoreCatalog.ApplyState state = row.applyState().get(dsId);
      if (state == RestoreCatalog.ApplyState.APPLIED) {
        applied.add(dsId);
        reasons.add(dsId + ": its restore returned");
        continue;
      }
      if (state == null) {
        notApplied.add(dsId);
        reasons.add(dsId + ": its restore was never started");
        continue;
      }
      Datastore ds = ctx.datastores().get(dsId);
      Fingerprint before = row.targetFingerprint().get(dsId);
      try {
        if (ds == null) {
          throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "datastore " + dsId + " is not configured here");
        }
        BackupCatalog.Row backup = ctx.backups().require(r.backupId());
        BackupManifest manifest = manifests.read(backup);
        DatastoreManifest section = manifest.datastore(dsId).orElseThrow();
        Fingerprint now = fingerprint(ds, section, row.resourcesOf(dsId));
        if (before != null && before.value().equals(now.value())) {
          notApplied.add(dsId);
          reasons.add(dsId + ": unchanged since the preview (fingerprint " + abbreviate(now.value()) + "), so its restore did not commit");
          continue;
        }
        DatastorePlan replanned = Guard.run(ErrorCode.DATASTORE_FAILURE, "planning " + dsId + " again", () -> ds.plan(
            context(row.id(), backup.id(), section, sourceFor(backup, manifest, section), row.resourcesOf(dsId), row.options(),
                Optional.empty(), Contexts.ALWAYS_ACTIVE)));
        Optional<String> mismatch = matches(plans.get(dsId), replanned);
        if (mismatch.isEmpty()) {
          applied.add(dsId);
          reasons.add(dsId + ": changed since the preview and now holds what the plan said the restore produces");
          replanned.resources().forEach(d -> resources.add(new ResourceSummary(d.kind(), d.name(), d.counts().stream()
              .collect(Collectors.toMap(CountChange::metric, CountChange::before)))));
        } else {
          unknown.add(dsId);
          reasons.add(dsId + ": changed since the preview but does not hold what the restore produces (" + mismatch.get() + ")");
        }
      } catch (MaintenanceException e) {
        if (e.code() == ErrorCode.DEPENDENCY_UNAVAILABLE || e.code() == ErrorCode.DATASTORE_FAILURE) {
          LOG.warn("Restore {}: cannot reconcile {} now ({}); it stays APPLYING until the next recovery or sweep", row.id(), dsId,
              e.toString());
          return Optional.empty();
        }
        unknown.add(dsId);
        reasons.add(dsId + ": cannot be compared (" + e.getMessage() + ")");
      }
    }
    boolean allApplied = applied.size() == r.datastores().size();
    String decision = String.join("; ", reasons);
    Optional<ErrorInfo> error = Optional.empty();
    if (!allApplied) {
      String safety = r.safetyBackupId().map(s -> "; safety backup " + s + " holds the data from before").orElse("");
      String message = "the process applying this restore stopped before it finished: "
          + (applied.isEmpty() ? "" : "restored " + String.join(", ", applied) + "; ")
          + (notApplied.isEmpty() ? "" : "not restored " + String.join(", ", notApplied) + "; ")
          + (unknown.isEmpty() ? "" : "outcome unknown for " + String.join(", ", unknown) + " (check them); ")
          + decision + safety;
      error = Optional.of(new ErrorInfo(ErrorCode.LEASE_LOST.name(), message));
    }
    if (!ctx.restores().settle(row.id(), allApplied, error, resources, ctx.clock().instant())) {
      return Optional.empty();
    }
    RestoreStatus status = allApplied ? RestoreStatus.APPLIED : RestoreStatus.FAILED;
    ctx.audit(actor, "restore.reconcile", status.name(), row.id(), AuditLog.details("backupId", r.backupId(),
        "applied", String.join(",", applied), "notApplied", String.join(",", notApplied), "unknown", String.join(",", unknown),
        "decision", decision));
    LOG.warn("Restore {} reconciled as {}: {}", row.id(), status, decision);
    return Optional.of(new Reconciled(row.id(), status, decision));
  }

  /** Empty when the live data, as planned now, is what the approved plan said the restore produces. */
  private static Optional<String> matches(DatastorePlan approved, DatastorePlan now) {
    if (approved == null) {
      return Optional.of("no approved plan");
    }
    Map<String, ResourceDiff> current = now.resources().stream().collect(Collectors.toMap(ResourceDiff::name, d -> d, (a, b) -> a));
    for (ResourceDiff want : approved.resources()) {
      ResourceDiff have = current.get(want.name());
      if (have == null) {
        return Optional.of(want.name() + " missing from the new plan");
      }
      if (have.change() == ChangeKind.UNCHANGED) {
        continue; // the datastore compared the content itself
      }
      if (have.change() == ChangeKind.CREATE || have.itemsLost() > 0 || !have.schemaChanges().isEmpty()) {
        return Optional.of(want.name() + " differs from the backup");
      }
      Map<String, Long> live = have.counts().stream().collect(Collectors.toMap(CountChange::metric, CountChange::before));
      for (CountChange c : want.counts()) {
        if (!Long.valueOf(c.after()).equals(live.get(c.metric()))) {
          return Optional.of(want.name() + " " + c.metric() + " is " + live.get(c.metric()) + ", the restore produces " + c.after());
        }
      }
    }
    return Optional.empty();
  }

  private static String abbreviate(String s) {
    return s.length() > 12 ? s.substring(0, 12) : s;
  }

  // ---- checks ----------------------------------------------------------------------------------

  private void checkOpen(RestoreCatalog.Row row) {
    RestoreRecord r = row.record();
    switch (r.status()) {
      case APPLYING, APPLIED, FAILED -> throw new MaintenanceException(ErrorCode.TOKEN_CONSUMED,
          "restore " + r.id() + " was already confirmed (" + r.status() + "); preview again for a new token",
          Map.of("status", r.status().name()));
      case EXPIRED -> throw expired(r);
      case PREVIEWED -> {
        if (!ctx.clock().instant().isBefore(r.expiresAt())) {
          ctx.restores().markExpired(r.id());
          throw expired(r);
        }
      }
      default -> throw new IllegalStateException(r.status().name());
    }
  }

  private static MaintenanceException expired(RestoreRecord r) {
    return new MaintenanceException(ErrorCode.TOKEN_EXPIRED, "restore " + r.id() + " expired at " + r.expiresAt()
        + "; preview again", Map.of("expiresAt", r.expiresAt().toString()));
  }

  private static void checkApprovals(RestoreRecord r) {
    if (!r.approvalsSatisfied()) {
      throw new MaintenanceException(ErrorCode.APPROVAL_REQUIRED, "restore " + r.id() + " has " + r.approvals().size()
          + " of " + r.approvalsRequired() + " required approvals",
          Map.of("approvals", Integer.toString(r.approvals().size()), "required", Integer.toString(r.approvalsRequired())));
    }
  }

  /** PLAN_STALE if any target's live data differs from what the preview saw, naming what changed. */
  private void checkDrift(RestoreCatalog.Row row, List<DatastoreManifest> sections) {
    List<String> changed = new ArrayList<>();
    for (DatastoreManifest section : sections) {
      Fingerprint then = row.targetFingerprint().get(section.id());
      Fingerprint now = fingerprint(ctx.datastores().get(section.id()), section, row.resourcesOf(section.id()));
      if (then == null || !then.value().equals(now.value())) {
        Set<String> keys = new TreeSet<>(now.components().keySet());
        if (then != null) {
          keys.addAll(then.components().keySet());
        }
        for (String k : keys) {
          String a = then == null ? null : then.components().get(k);
          String b = now.components().get(k);
          if (a == null || !a.equals(b)) {
            changed.add(section.id() + ":" + k);
          }
        }
        if (keys.isEmpty()) {
          changed.add(section.id());
        }
      }
    }
    if (!changed.isEmpty()) {
      throw new MaintenanceException(ErrorCode.PLAN_STALE, "the target changed after the preview (" + String.join(", ", changed)
          + "); preview again to see what the restore would do now", Map.of("changed", String.join(",", changed)));
    }
  }

  /** The engine's own check: what the datastore found after applying equals the plan's "after" side. */
  private static void verify(DatastorePlan plan, RestoreOutcome outcome) {
    Map<String, Map<String, Long>> found = new HashMap<>();
    for (ResourceSummary s : outcome.resources()) {
      found.put(s.name(), s.counts());
    }
    List<String> mismatches = new ArrayList<>();
    for (ResourceDiff d : plan.resources()) {
      for (CountChange c : d.counts()) {
        Long actual = found.getOrDefault(d.name(), Map.of()).get(c.metric());
        if (actual == null || actual != c.after()) {
          mismatches.add(d.name() + " " + c.metric() + " is " + actual + ", the plan said " + c.after());
        }
      }
    }
    if (!mismatches.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "datastore " + plan.datastoreId()
          + " does not match the plan after the restore: " + String.join("; ", mismatches), Map.of("datastore", plan.datastoreId()));
    }
  }

  /**
   * The failure of a restore that stopped at {@code failed} (or between datastores, when empty), saying which
   * datastores were restored before, which one rolled back and which were never started.
   */
  private static MaintenanceException partial(MaintenanceException e, Optional<String> failed, List<String> done,
      List<String> notStarted, Optional<String> safety) {
    if (done.isEmpty() && e.code() != ErrorCode.CANCELLED) {
      return failed.map(f -> e.with("datastore", f)).orElse(e);
    }
    StringBuilder msg = new StringBuilder();
    if (e.code() == ErrorCode.CANCELLED) {
      msg.append(e.getMessage()).append(failed.map(f -> "; " + f + " was rolled back (its restore is all-or-nothing)").orElse(""));
    } else {
      msg.append("datastore ").append(failed.orElse("?")).append(" failed (").append(e.getMessage()).append(")");
    }
    msg.append(done.isEmpty() ? "; nothing had been restored" : "; restored before: " + String.join(", ", done));
    if (!notStarted.isEmpty()) {
      msg.append("; not started: ").append(String.join(", ", notStarted));
    }
    safety.ifPresent(s -> msg.append("; safety backup ").append(s).append(" holds the data before the restore"));
    Map<String, String> details = new LinkedHashMap<>(e.details());
    failed.ifPresent(f -> details.put("datastore", f));
    details.put("restored", String.join(",", done));
    details.put("notStarted", String.join(",", notStarted));
    return new MaintenanceException(e.code(), msg.toString(), details, e);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private List<DatastoreManifest> select(BackupManifest manifest, Set<String> requested) {
    List<DatastoreManifest> selected = new ArrayList<>();
    for (DatastoreManifest d : manifest.datastores()) {
      if (requested.isEmpty() || requested.contains(d.id())) {
        selected.add(d);
      }
    }
    List<String> missing = requested.stream().filter(id -> manifest.datastore(id).isEmpty()).sorted().toList();
    if (!missing.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "backup " + manifest.backupId() + " has no datastore "
          + String.join(", ", missing), Map.of("missing", String.join(",", missing)));
    }
    for (DatastoreManifest d : selected) {
      Datastore ds = ctx.datastores().get(d.id());
      if (ds == null) {
        throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "datastore " + d.id() + " of backup " + manifest.backupId()
            + " is not configured in this engine", Map.of("datastore", d.id()));
      }
      if (!ds.type().equals(d.type())) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "datastore " + d.id() + " is of type " + ds.type()
            + " but the backup holds " + d.type(), Map.of("datastore", d.id()));
      }
    }
    if (selected.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "backup " + manifest.backupId() + " has no datastores to restore");
    }
    return selected;
  }

  /** The live fingerprint of the resources a restore would overwrite: the selected ones, or all of the backup's. */
  /** The resource selection per selected datastore; every name must be a resource of that datastore in the backup. */
  private static Map<String, Set<String>> selectResources(BackupManifest manifest, List<DatastoreManifest> selected,
      RestoreRequest request) {
    Map<String, Set<String>> out = new TreeMap<>();
    List<String> unknown = new ArrayList<>();
    for (DatastoreManifest section : selected) {
      Set<String> chosen = request.resourcesOf(section.id());
      if (chosen.isEmpty()) {
        continue;
      }
      Set<String> known = section.resources().stream().map(ResourceSummary::name).collect(Collectors.toSet());
      chosen.stream().filter(n -> !known.contains(n)).sorted().forEach(n -> unknown.add(section.id() + ":" + n));
      out.put(section.id(), new TreeSet<>(chosen));
    }
    if (!unknown.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "backup " + manifest.backupId() + " holds no resource "
          + String.join(", ", unknown), Map.of("missing", String.join(",", unknown)));
    }
    return out;
  }

  private Fingerprint fingerprint(Datastore ds, DatastoreManifest section, Set<String> chosen) {
    Set<String> resources = chosen.isEmpty()
        ? section.resources().stream().map(ResourceSummary::name).collect(Collectors.toCollection(TreeSet::new))
        : new TreeSet<>(chosen);
    return Guard.run(ErrorCode.DATASTORE_FAILURE, "fingerprinting " + ds.id(), () -> ds.fingerprint(resources));
  }

  /**
   * Reads (decrypts, decompresses) the artifacts of one datastore of a backup, wherever they are held;
   * unwraps their data keys first, so a key that is gone fails now ({@code KEY_UNAVAILABLE}).
   */
  private StorageArtifactSource sourceFor(BackupCatalog.Row backup, BackupManifest manifest, DatastoreManifest section) {
    return BackupArtifacts.open(ctx, backup, section, ctx.artifacts().reader(manifest, section), ctx.storage());
  }

  private static RestoreContext context(String requestId, String backupId, DatastoreManifest section, ArtifactSource source,
      Set<String> resources, Map<String, String> options, Optional<DatastorePlan> approved, Runnable activeCheck) {
    return context(requestId, backupId, section, source, resources, options, approved, activeCheck, null);
  }

  /** @param part where the datastore's progress reports go too (null: only to the log) */
  private static RestoreContext context(String requestId, String backupId, DatastoreManifest section, ArtifactSource source,
      Set<String> resources, Map<String, String> options, Optional<DatastorePlan> approved, Runnable activeCheck,
      Tracker.Part part) {
    ProgressListener log = new ProgressLog("restore " + requestId + " " + section.id(), Duration.ofSeconds(10));
    ProgressListener progress = part == null ? log : part.listener(log);
    return new Contexts.Restore(requestId, backupId, section, source, resources, options, approved, progress, activeCheck);
  }

  /** Only SUCCEEDED backups restore; a CORRUPT one says why and how to clear it. */
  private static void requireRestorable(BackupCatalog.Row backup) {
    BackupStatus status = backup.record().status();
    if (status == BackupStatus.SUCCEEDED) {
      return;
    }
    String why = status == BackupStatus.CORRUPT
        ? "; VERIFY found it corrupt (" + backup.record().error().map(e -> e.code() + ": " + e.message()).orElse("?")
            + "), and a VERIFY that finds it intact again makes it restorable"
        : "; only SUCCEEDED backups can be restored";
    throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "backup " + backup.id() + " is " + status + why,
        Map.of("backupId", backup.id(), "status", status.name()));
  }

  private static String newToken() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String hashToken(String token) {
    return Digests.sha256Hex(token);
  }
}
