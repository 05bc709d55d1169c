package io.maintenance.core.internal.drills;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.DatastoreProgress;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
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
import io.maintenance.core.internal.backup.BackupArtifacts;
import io.maintenance.core.internal.backup.ManifestStore;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.DrillCatalog;
import io.maintenance.core.internal.catalog.Leases;
import io.maintenance.core.internal.operations.CountingStorage;
import io.maintenance.core.internal.operations.Job;
import io.maintenance.core.internal.operations.Tracker;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.internal.StorageArtifactSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * Restore drills (task type DRILL): for each datastore with a sandbox, restore its newest succeeded backup into
 * the sandbox, prove it, and discard it again.
 *
 * <p>Per datastore: every stored artifact is read through SHA-256 first (every byte, also of artifacts a plugin
 * would skip), then pinned to the version read; the sandbox plans the restore, and a plan that finds any of the
 * backup's resources already there is refused ({@code CONFIG_INVALID}, reason {@code SANDBOX_NOT_EMPTY}: a
 * sandbox that is not empty may be a live database named by mistake, and nothing is written to it); the sandbox
 * restores (the plugin's all-or-nothing restore); the counts it reports must equal the manifest's; then the
 * sandbox always discards the backup's resources, also after a failure or a cancel. The datastore's fingerprint
 * is not compared: fingerprints may include where the data lives (PostgreSQL's sums row versions' transaction
 * ids), so a restored copy's need not equal its source's.
 *
 * <p>A drill holds a shared lease (it writes only its sandbox, so it does not take the operation lock) and, per
 * datastore, a claim in {@code maintenance_drills}: two drills of one datastore never run at once.
 */
public final class DrillService {
  private static final Logger LOG = LoggerFactory.getLogger(DrillService.class);
  private static final String ACTION = "task.drill";

  /** A datastore's sandbox: a plugin instance of the source's type that only drills reach. */
  public record Sandbox(Datastore datastore, Optional<Duration> maxAge) {}

  /** The configured sandboxes and what readiness and the metrics read about their drills (no engine needed yet). */
  public static final class Sandboxes {
    private final Map<String, Sandbox> byDatastore;
    private final DrillCatalog catalog;
    private final java.time.Clock clock;

    public Sandboxes(Map<String, Sandbox> byDatastore, DrillCatalog catalog, java.time.Clock clock) {
      this.byDatastore = Map.copyOf(byDatastore);
      this.catalog = catalog;
      this.clock = clock;
    }

    public Set<String> datastores() {
      return new TreeSet<>(byDatastore.keySet());
    }

    /** The readiness components drills add: {@code drill:<datastore>} for each datastore with a max-age. */
    public List<String> components() {
      return byDatastore.entrySet().stream().filter(e -> e.getValue().maxAge().isPresent()).map(e -> "drill:" + e.getKey())
          .sorted().toList();
    }

    /** DEGRADED ({@code RESTORE_NOT_PROVEN}) for a datastore without a passing drill within its max-age; never DOWN. */
    public List<ProbeResult> probes() {
      List<String> components = components();
      if (components.isEmpty()) {
        return List.of();
      }
      Map<String, Instant> passed = catalog.lastPassed();
      Instant now = clock.instant();
      List<ProbeResult> out = new ArrayList<>();
      for (String component : components) {
        String id = component.substring("drill:".length());
        Duration maxAge = byDatastore.get(id).maxAge().orElseThrow();
        Optional<Instant> last = Optional.ofNullable(passed.get(id));
        Map<String, String> attrs = new TreeMap<>();
        attrs.put("maxAge", maxAge.toString());
        last.ifPresent(t -> attrs.put("lastPassedAt", t.toString()));
        if (last.isPresent() && !last.get().plus(maxAge).isBefore(now)) {
          out.add(ProbeResult.up(component, Duration.ZERO, attrs));
        } else {
          out.add(new ProbeResult(component, ProbeStatus.DEGRADED, "RESTORE_NOT_PROVEN", Duration.ZERO, "the backups of " + id
              + " have not been proven restorable within " + maxAge + last.map(t -> " (last passing drill " + t + ")")
                  .orElse(" (no drill passed yet)") + "; run a DRILL task", attrs));
        }
      }
      return out;
    }

    /** When each datastore's newest passing drill finished (the catalog's answer, the same on every replica). */
    public Map<String, Instant> lastPassed() {
      return catalog.lastPassed();
    }

    Sandbox get(String id) {
      return byDatastore.get(id);
    }

    boolean isEmpty() {
      return byDatastore.isEmpty();
    }

    boolean contains(String id) {
      return byDatastore.containsKey(id);
    }
  }

  private final EngineContext ctx;
  private final ManifestStore manifests;
  private final DrillCatalog drills;
  private final Sandboxes sandboxes;

  public DrillService(EngineContext ctx, ManifestStore manifests, DrillCatalog drills, Sandboxes sandboxes) {
    this.ctx = ctx;
    this.manifests = manifests;
    this.drills = drills;
    this.sandboxes = sandboxes;
  }

  /**
   * Checks the request, takes the lease and claims each datastore's sandbox: refusals are thrown (and audited)
   * here. The returned job runs the drills.
   */
  public Job<TaskResult> start(TaskRequest request, String actor) {
    List<String> targets;
    try {
      targets = targets(request);
    } catch (MaintenanceException e) {
      ctx.audit(actor, ACTION, e.code().name(), "-", AuditLog.details("reason", e.getMessage()));
      throw e;
    }
    String id = Ids.next("tk", ctx.clock());
    Instant started = ctx.clock().instant();
    Leases.Lease lease = null;
    List<String> claimed = new ArrayList<>();
    try {
      lease = ctx.leases().shared("drill", id, actor);
      for (String ds : targets) {
        drills.claim(id, ds, lease.id(), started);
        claimed.add(ds);
      }
    } catch (MaintenanceException e) {
      for (String ds : claimed) {
        try {
          drills.release(id, ds);
        } catch (MaintenanceException suppressed) {
          e.addSuppressed(suppressed); // a claim whose lease is gone is settled by the next one
        }
      }
      if (lease != null) {
        lease.failed(e);
        lease.close();
      }
      try {
        ctx.tasks().insertFinished(id, TaskType.DRILL, false, actor, started, ErrorInfo.of(e));
      } catch (MaintenanceException catalogDown) {
        e.addSuppressed(catalogDown);
      }
      ctx.metrics().task(TaskType.DRILL.name(), TaskStatus.FAILED.name());
      ctx.audit(actor, ACTION, e.code().name(), id, AuditLog.details("reason", e.getMessage()));
      throw e;
    }
    Leases.Lease held = lease;
    held.progress().plan(targets);
    return new Job<>(held, () -> run(id, targets, actor, started, held));
  }

  private List<String> targets(TaskRequest request) {
    if (request.dryRun()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "a drill has no dry run: it writes only its sandboxes",
          Map.of("pointer", "/dryRun"));
    }
    if (!request.backupIds().isEmpty()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "a drill restores each datastore's newest succeeded backup;"
          + " it takes datastores, not backup ids", Map.of("pointer", "/backupIds"));
    }
    if (sandboxes.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "no datastore has a drill sandbox; configure"
          + " drills.<datastore>.sandbox.*", Map.of("pointer", "/type"));
    }
    if (request.datastores().isEmpty()) {
      return new ArrayList<>(sandboxes.datastores());
    }
    List<String> unknown = request.datastores().stream().filter(d -> !sandboxes.contains(d)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "no drill sandbox for " + String.join(", ", unknown)
          + "; datastores with one: " + String.join(", ", sandboxes.datastores()), Map.of("pointer", "/datastores"));
    }
    return new ArrayList<>(new TreeSet<>(request.datastores()));
  }

  private TaskResult run(String id, List<String> targets, String actor, Instant started, Leases.Lease lease) {
    List<TaskItem> items = new ArrayList<>();
    Optional<ErrorInfo> error = Optional.empty();
    ctx.tasks().insertRunning(id, TaskType.DRILL, false, actor, started, lease.id());
    lease.progress().phase("drill");
    List<String> pending = new ArrayList<>(targets);
    try {
      for (String ds : targets) {
        pending.remove(ds);
        Optional<ErrorInfo> failed = drill(id, ds, lease, items);
        if (failed.isPresent() && error.isEmpty()) {
          error = failed;
        }
      }
    } catch (RuntimeException e) {
      // Cancelled or the lease lost: the drill in progress has recorded itself; the ones not started are not run.
      MaintenanceException failure = Guard.wrap(ErrorCode.INTERNAL_ERROR, "drill failed", e);
      error = Optional.of(ErrorInfo.of(failure));
      for (String ds : pending) {
        settle(id, ds, error, List.of());
        items.add(new TaskItem(ds, "drill", failure.code().name(), "not started: " + failure.getMessage()));
      }
    }
    if (error.isPresent() && items.stream().filter(i -> !i.outcome().equals("ok")).count() > 1) {
      long failedCount = items.stream().filter(i -> !i.outcome().equals("ok")).count();
      error = Optional.of(new ErrorInfo(error.get().code(), failedCount + " of " + targets.size() + " drills failed (first: "
          + error.get().code() + ": " + error.get().message() + "); see the items"));
    }
    TaskStatus status = error.isPresent() ? TaskStatus.FAILED : TaskStatus.SUCCEEDED;
    Instant finished = ctx.clock().instant();
    ctx.tasks().finish(id, status, items, error, finished);
    ctx.metrics().task(TaskType.DRILL.name(), status.name());
    ctx.audit(actor, ACTION, error.map(ErrorInfo::code).orElse("success"), id, AuditLog.details("datastores",
        String.join(",", targets), "reason", error.map(ErrorInfo::message).orElse(null)));
    LOG.info("Drill {} of {} {}", id, targets, status);
    error.ifPresent(lease::failed);
    return new TaskResult(id, TaskType.DRILL, status, false, started, finished, items, error);
  }

  /**
   * One datastore's drill; returns its failure. Rethrows CANCELLED and LEASE_LOST (after discarding and recording),
   * so that the task stops.
   */
  private Optional<ErrorInfo> drill(String taskId, String id, Leases.Lease lease, List<TaskItem> items) {
    Datastore sandbox = sandboxes.get(id).datastore();
    Tracker.Part part = lease.progress().datastore(id);
    Set<String> restored = new TreeSet<>();
    List<ResourceSummary> verified = new ArrayList<>();
    String summary;
    MaintenanceException failure = null;
    try {
      lease.ensureActive();
      lease.progress().phase("drill " + id + ": checking the artifacts");
      BackupCatalog.Row backup = ctx.backups().latestSucceededWith(id).orElseThrow(() -> new MaintenanceException(
          ErrorCode.NOT_FOUND, "no succeeded backup holds " + id + "; there is nothing to drill", Map.of("datastore", id)));
      drills.recordBackup(taskId, id, backup.id());
      BackupManifest manifest = manifests.read(backup);
      DatastoreManifest section = manifest.datastore(id).orElseThrow(() -> new MaintenanceException(
          ErrorCode.INTEGRITY_MISMATCH, "backup " + backup.id() + " lists " + id + " but its manifest has no part for it"));
      if (!section.type().equals(sandbox.type())) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "backup " + backup.id() + " holds " + id + " as type "
            + section.type() + ", the sandbox is " + sandbox.type(), Map.of("datastore", id));
      }
      long total = section.artifacts().stream().mapToLong(ArtifactInfo::size).sum();
      part.start(2 * total, false); // every byte is read twice: checked, then restored
      // Every stored byte through SHA-256 first, whatever the plugin reads later; the restore reads these versions.
      StorageArtifactSource stored = BackupArtifacts.open(ctx, backup, section, io.maintenance.spi.internal.ArtifactCodec.plain(),
          new CountingStorage(ctx.storage(), part::addBytes));
      Map<String, String> versions = new LinkedHashMap<>();
      for (ArtifactInfo a : section.artifacts()) {
        lease.ensureActive();
        Guard.run(ErrorCode.STORAGE_FAILURE, "reading " + backup.id() + "/" + id + "/" + a.name(), () -> stored.verify(a.name()))
            .ifPresent(v -> versions.put(a.name(), v));
      }
      StorageArtifactSource source = BackupArtifacts.open(ctx, backup, section, ctx.artifacts().reader(manifest, section),
          new CountingStorage(ctx.storage(), part::addBytes)).pinnedTo(versions);
      String requestId = "drill-" + taskId;
      lease.ensureActive();
      lease.progress().phase("drill " + id + ": planning on the sandbox");
      DatastorePlan plan = Guard.run(ErrorCode.DATASTORE_FAILURE, "planning the drill of " + id + " on its sandbox",
          () -> sandbox.plan(context(requestId, backup.id(), section, source, Optional.empty(), lease, part)));
      List<String> present = plan.resources().stream().filter(d -> d.change() != ChangeKind.CREATE).map(ResourceDiff::name)
          .toList();
      if (!present.isEmpty()) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "SANDBOX_NOT_EMPTY: the drill sandbox of " + id
            + " already holds " + String.join(", ", present) + "; a sandbox must be empty (is it the live database?)."
            + " Nothing was written to it",
            Map.of("datastore", id, "reason", "SANDBOX_NOT_EMPTY", "present", String.join(",", present)));
      }
      lease.ensureActive();
      // From here the sandbox is known to hold none of them: whatever the restore leaves is the drill's to discard.
      section.resources().forEach(r -> restored.add(r.name()));
      lease.progress().phase("drill " + id + ": restoring into the sandbox");
      RestoreOutcome outcome = Guard.run(ErrorCode.DATASTORE_FAILURE, "restoring " + id + " into its sandbox",
          () -> sandbox.restore(context(requestId, backup.id(), section, source, Optional.of(plan), lease, part)));
      lease.progress().phase("drill " + id + ": verifying");
      verified.addAll(outcome.resources());
      List<String> mismatches = mismatches(section.resources(), outcome.resources());
      if (!mismatches.isEmpty()) {
        throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "the drill of " + id + " restored backup " + backup.id()
            + " but the sandbox does not hold what the manifest says: " + String.join("; ", mismatches),
            Map.of("datastore", id, "backupId", backup.id()));
      }
      summary = "backup " + backup.id() + ": " + section.artifacts().size() + " artifacts (" + total + " bytes) match their"
          + " SHA-256; " + counts(section.resources()) + " restored into the sandbox and discarded";
    } catch (RuntimeException e) {
      failure = Guard.wrap(ErrorCode.INTERNAL_ERROR, "drill of " + id + " failed", (RuntimeException) lease.causeOf(e));
      summary = failure.getMessage();
    }
    // Always: the sandbox must be as empty afterwards as before, whatever happened.
    if (!restored.isEmpty()) {
      lease.progress().phase("drill " + id + ": discarding");
      try {
        Guard.run(ErrorCode.DATASTORE_FAILURE, "discarding the drill of " + id, () -> {
          sandbox.discard(restored);
          return null;
        });
      } catch (MaintenanceException e) {
        LOG.error("Drill of {}: the sandbox could not discard what it restored: {}", id, e.toString());
        if (failure == null) {
          failure = new MaintenanceException(e.code(), "the drill of " + id + " passed, but its sandbox could not discard what"
              + " it restored (" + e.getMessage() + "); empty it before the next drill", e.details(), e);
        } else {
          failure.addSuppressed(e);
        }
        summary = failure.getMessage() + "; discarding failed too: " + e.getMessage();
      }
    }
    Optional<ErrorInfo> error = failure == null ? Optional.empty() : Optional.of(new ErrorInfo(failure.code().name(), summary));
    part.state(failure == null ? DatastoreProgress.State.DONE : DatastoreProgress.State.FAILED);
    settle(taskId, id, error, verified);
    items.add(new TaskItem(id, "drill", error.map(ErrorInfo::code).orElse("ok"), summary));
    if (failure != null) {
      ctx.metrics().drillFailed(id);
      LOG.warn("Drill of {} (sandbox) failed: {}", id, summary);
      if (failure.code() == ErrorCode.CANCELLED || failure.code() == ErrorCode.LEASE_LOST) {
        throw failure;
      }
    } else {
      ctx.metrics().refreshSoon();
      LOG.info("Drill of {} (sandbox) passed: {}", id, summary);
    }
    return error;
  }

  /** Records the drill's outcome; a catalog outage leaves the claim to be settled ABANDONED by the next drill. */
  private void settle(String taskId, String id, Optional<ErrorInfo> error, List<ResourceSummary> verified) {
    try {
      drills.finish(taskId, id, error, verified, ctx.clock().instant());
    } catch (MaintenanceException e) {
      LOG.warn("Drill of {}: could not record its outcome ({})", id, e.toString());
    }
  }

  /** Every count the manifest records for a resource must be what the sandbox reports after the restore. */
  static List<String> mismatches(List<ResourceSummary> expected, List<ResourceSummary> found) {
    Map<String, Map<String, Long>> byName = new TreeMap<>();
    found.forEach(r -> byName.put(r.name(), r.counts()));
    List<String> out = new ArrayList<>();
    for (ResourceSummary want : expected) {
      Map<String, Long> have = byName.get(want.name());
      if (have == null) {
        out.add(want.name() + " is missing");
        continue;
      }
      want.counts().forEach((metric, n) -> {
        Long actual = have.get(metric);
        if (!n.equals(actual)) {
          out.add(want.name() + " " + metric + " is " + actual + ", the manifest says " + n);
        }
      });
    }
    return out;
  }

  private static String counts(List<ResourceSummary> resources) {
    return resources.size() + " resources (" + resources.stream().map(r -> r.name() + " " + r.counts().entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "))).collect(Collectors.joining("; ")) + ")";
  }

  private static RestoreContext context(String requestId, String backupId, DatastoreManifest section,
      StorageArtifactSource source, Optional<DatastorePlan> plan, Leases.Lease lease, Tracker.Part part) {
    return new Contexts.Restore(requestId, backupId, section, source, Set.of(), Map.of(), plan,
        part.listener(new ProgressLog("drill " + section.id() + " (sandbox)", Duration.ofSeconds(10))), lease::ensureActive);
  }
}
