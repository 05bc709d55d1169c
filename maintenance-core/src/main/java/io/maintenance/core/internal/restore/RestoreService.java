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
import io.maintenance.core.internal.backup.BackupService;
import io.maintenance.core.internal.backup.ManifestStore;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.OperationLock;
import io.maintenance.core.internal.catalog.RestoreCatalog;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.support.ArtifactCodec;
import io.maintenance.spi.support.BackupLayout;
import io.maintenance.spi.support.Contexts;
import io.maintenance.spi.support.Digests;
import io.maintenance.spi.support.StorageArtifactSource;
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
      if (backup.record().status() != BackupStatus.SUCCEEDED) {
        throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "backup " + backup.id() + " is " + backup.record().status()
            + "; only SUCCEEDED backups can be restored", Map.of("backupId", backup.id()));
      }
      BackupManifest manifest = manifests.read(backup);
      List<DatastoreManifest> selected = select(manifest, request.datastores());

      String requestId = Ids.next("rr", ctx.clock());
      List<DatastorePlan> plans = new ArrayList<>();
      Map<String, Fingerprint> fingerprints = new LinkedHashMap<>();
      Map<String, Set<String>> resources = selectResources(manifest, selected, request);
      for (DatastoreManifest section : selected) {
        Datastore ds = ctx.datastores().get(section.id());
        StorageArtifactSource source = sourceFor(backup, manifest, section);
        Guard.run(ErrorCode.STORAGE_FAILURE, "checking the artifacts of " + section.id(), () -> {
          source.verifyAll();
          return null;
        });
        Set<String> chosen = resources.getOrDefault(section.id(), Set.of());
        DatastorePlan plan = Guard.run(ErrorCode.DATASTORE_FAILURE, "planning the restore of " + section.id(),
            () -> ds.plan(context(requestId, backup.id(), section, source, chosen, request.options(), Optional.empty())));
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
          Digests.sha256Hex(Json.write(plan)), backup.record().manifestSha256().orElseThrow(), fingerprints, approvals, now, expires));
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

  public RestoreRecord confirm(String token, String actor) {
    long t0 = System.nanoTime();
    RestoreCatalog.Row row = null;
    try {
      row = ctx.restores().findByTokenHash(hashToken(token == null ? "" : token)).orElseThrow(() ->
          new MaintenanceException(ErrorCode.TOKEN_INVALID, "the restore token does not match any preview"));
      checkOpen(row);
      checkApprovals(row.record());
      try (OperationLock.Held lock = ctx.lock().acquire("restore " + row.id(), ctx::describeBusy)) {
        row = ctx.restores().require(row.id());
        checkOpen(row);
        checkApprovals(row.record());
        return applyLocked(row, actor, t0);
      }
    } catch (MaintenanceException e) {
      String target = row == null ? "-" : row.id();
      boolean needsApproval = row != null && row.record().approvalsRequired() > 0;
      ctx.metrics().restore("apply", e.code().name(), needsApproval, ctx.storage().name(), Duration.ofNanos(System.nanoTime() - t0));
      ctx.audit(actor, "restore.confirm", e.code().name(), target, AuditLog.details("reason", e.getMessage()));
      throw row == null ? e : e.with("requestId", row.id());
    }
  }

  private RestoreRecord applyLocked(RestoreCatalog.Row row, String actor, long t0) {
    RestoreRecord r = row.record();
    BackupCatalog.Row backup = ctx.backups().find(r.backupId()).orElseThrow(() -> new MaintenanceException(ErrorCode.NOT_FOUND,
        "backup " + r.backupId() + " was deleted after the preview", Map.of("backupId", r.backupId())));
    if (!backup.record().manifestSha256().equals(Optional.of(row.manifestSha256()))) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "backup " + r.backupId() + " changed after the preview");
    }
    BackupManifest manifest = manifests.read(backup);
    List<DatastoreManifest> sections = r.datastores().stream()
        .map(id -> manifest.datastore(id).orElseThrow(() -> new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
            "datastore " + id + " vanished from the manifest of " + r.backupId())))
        .toList();
    checkDrift(row, sections);

    Instant now = ctx.clock().instant();
    if (!ctx.restores().consume(row.id(), actor, now)) {
      // Someone else consumed, it expired, or an approval vanished in between: report which.
      RestoreCatalog.Row current = ctx.restores().require(row.id());
      checkOpen(current);
      checkApprovals(current.record());
      throw new MaintenanceException(ErrorCode.TOKEN_CONSUMED, "the restore token was used by another confirm");
    }
    LOG.info("Restore {} of backup {} confirmed by {}; applying", row.id(), r.backupId(), actor);
    List<ResourceSummary> applied = new ArrayList<>();
    Optional<String> safetyId = Optional.empty();
    try {
      if (row.safetyBackup()) {
        BackupRecord safety = backups.backupLocked(BackupRequest.builder().datastores(Set.copyOf(r.datastores()))
            .label("safety-for", row.id()).build(), actor);
        safetyId = Optional.of(safety.id());
        ctx.restores().recordSafetyBackup(row.id(), safety.id());
      }
      Map<String, DatastorePlan> plans = r.plan().datastores().stream()
          .collect(Collectors.toMap(DatastorePlan::datastoreId, p -> p));
      List<String> done = new ArrayList<>();
      for (DatastoreManifest section : sections) {
        Datastore ds = ctx.datastores().get(section.id());
        RestoreContext rc = context(row.id(), backup.id(), section, sourceFor(backup, manifest, section),
            row.resourcesOf(section.id()), row.options(), Optional.of(plans.get(section.id())));
        RestoreOutcome outcome;
        try {
          outcome = Guard.run(ErrorCode.DATASTORE_FAILURE, "restoring " + section.id(), () -> ds.restore(rc));
        } catch (MaintenanceException e) {
          throw partial(e, section.id(), done, safetyId);
        }
        applied.addAll(outcome.resources());
        done.add(section.id());
        verify(plans.get(section.id()), outcome);
      }
      ctx.restores().markApplied(row.id(), applied, ctx.clock().instant());
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      ctx.metrics().restore("apply", "SUCCEEDED", r.approvalsRequired() > 0, ctx.storage().name(), took);
      ctx.audit(actor, "restore.confirm", "success", row.id(), AuditLog.details("backupId", r.backupId(),
          "datastores", String.join(",", r.datastores()), "safetyBackupId", safetyId.orElse(null),
          "approvers", r.approvals().stream().map(a -> a.approver()).collect(Collectors.joining(",")),
          "durationMs", Long.toString(took.toMillis())));
      LOG.info("Restore {} applied in {} ms", row.id(), took.toMillis());
      return ctx.restores().require(row.id()).record();
    } catch (RuntimeException e) {
      MaintenanceException failure = Guard.wrap(ErrorCode.INTERNAL_ERROR, "restore " + row.id() + " failed", e);
      if (safetyId.isPresent()) {
        failure = failure.with("safetyBackupId", safetyId.get());
      }
      LOG.error("Restore {} failed: {}", row.id(), failure.toString());
      ctx.restores().markFailed(row.id(), ErrorInfo.of(failure), applied, ctx.clock().instant());
      throw failure;
    }
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

  private static MaintenanceException partial(MaintenanceException e, String failed, List<String> done, Optional<String> safety) {
    if (done.isEmpty()) {
      return e.with("datastore", failed);
    }
    return new MaintenanceException(e.code(), "datastore " + failed + " failed (" + e.getMessage() + ") after "
        + String.join(", ", done) + " had been restored" + safety.map(s -> "; safety backup " + s + " holds the data before the restore").orElse(""),
        Map.of("datastore", failed, "restored", String.join(",", done)), e);
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
  public StorageArtifactSource sourceFor(BackupCatalog.Row backup, BackupManifest manifest, DatastoreManifest section) {
    return sourceFor(backup, section, ctx.artifacts().reader(manifest, section));
  }

  /** The stored bytes of one datastore's artifacts, for checking them against the manifest (needs no key). */
  public StorageArtifactSource sourceFor(BackupCatalog.Row backup, DatastoreManifest section) {
    return sourceFor(backup, section, ArtifactCodec.plain());
  }

  private StorageArtifactSource sourceFor(BackupCatalog.Row backup, DatastoreManifest section, ArtifactCodec codec) {
    Map<String, String> prefixes = new HashMap<>();
    return new StorageArtifactSource(ctx.storage(), section.artifacts(), (ArtifactInfo a) -> {
      String holder = a.heldBy().orElse(backup.id());
      String prefix = holder.equals(backup.id()) ? backup.storagePrefix()
          : prefixes.computeIfAbsent(holder, h -> ctx.backups().find(h).map(BackupCatalog.Row::storagePrefix)
              .orElseThrow(() -> new MaintenanceException(ErrorCode.ARTIFACT_MISSING, "artifact " + a.name()
                  + " is held by backup " + h + ", which no longer exists")));
      return BackupLayout.artifactKey(prefix, holder, section.id(), a.name());
    }, codec);
  }

  private static RestoreContext context(String requestId, String backupId, DatastoreManifest section, ArtifactSource source,
      Set<String> resources, Map<String, String> options, Optional<DatastorePlan> approved) {
    ProgressListener progress = new ProgressLog("restore " + requestId + " " + section.id(), Duration.ofSeconds(10));
    return new Contexts.Restore(requestId, backupId, section, source, resources, options, approved, progress);
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
