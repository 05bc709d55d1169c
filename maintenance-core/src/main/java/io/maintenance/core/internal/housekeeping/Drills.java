package io.maintenance.core.internal.housekeeping;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.DatastoreProgress;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.api.TaskItem;
import io.maintenance.api.TaskRequest;
import io.maintenance.core.internal.EngineContext;
import io.maintenance.core.internal.Guard;
import io.maintenance.core.internal.Ids;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.backup.ManifestStore;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.DrillCatalog;
import io.maintenance.core.internal.catalog.Leases;
import io.maintenance.core.internal.operations.CountingStorage;
import io.maintenance.core.internal.operations.Tracker;
import io.maintenance.core.internal.restore.RestoreService;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.support.StorageArtifactSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restore drills (the DRILL task): the newest succeeded backup of a datastore is restored into the sandbox
 * datastore the configuration names for it ({@code drills.<id>.sandbox}, a datastore of the same type
 * pointing at a scratch database, server database or node), checked, and removed from the sandbox again.
 *
 * <p>Checked: every artifact's size and SHA-256 against the manifest (read to the end, also those the
 * restore would not read), the sandbox's plan (the datastore validates every artifact), the counts the
 * restore found against the counts the manifest recorded at backup time, and the plan's "after" counts.
 * A drill never destroys data: it refuses a sandbox that holds any of the backup's data (a sandbox
 * pointing at a live database is refused, not overwritten), and removes only what it restored, which the
 * catalog records before the restore starts (a drill that stopped halfway is cleaned up by the next one).
 */
final class Drills {
  private static final Logger LOG = LoggerFactory.getLogger(Drills.class);

  private final EngineContext ctx;
  private final ManifestStore manifests;
  private final RestoreService restores;

  Drills(EngineContext ctx, ManifestStore manifests, RestoreService restores) {
    this.ctx = ctx;
    this.manifests = manifests;
    this.restores = restores;
  }

  void run(String taskId, TaskRequest request, List<TaskItem> items, Leases.Lease lease) {
    List<String> targets = new ArrayList<>(new TreeSet<>(request.datastores().isEmpty() ? ctx.sandboxes().keySet()
        : request.datastores()));
    lease.progress().plan(targets);
    for (String dsId : targets) {
      lease.ensureActive();
      drill(taskId, dsId, ctx.sandboxes().get(dsId), request.dryRun(), items, lease);
    }
  }

  private void drill(String taskId, String dsId, String sandboxId, boolean dryRun, List<TaskItem> items, Leases.Lease lease) {
    Tracker.Part part = lease.progress().datastore(dsId);
    part.start(-1, false);
    lease.progress().phase("drilling " + dsId + " in sandbox " + sandboxId);
    Datastore sandbox = ctx.datastores().get(sandboxId);
    String target = dsId + "@" + sandboxId;
    try {
      cleanUpLeftovers(sandbox, dryRun, items, lease);
      Optional<BackupCatalog.Row> found = ctx.backups().newestSucceededCovering(List.of(dsId));
      if (found.isEmpty()) {
        throw new MaintenanceException(ErrorCode.NOT_FOUND, "no succeeded backup of " + dsId + " to drill");
      }
      BackupCatalog.Row backup = found.get();
      BackupManifest manifest = manifests.read(backup);
      DatastoreManifest section = manifest.datastore(dsId).orElseThrow(() -> new MaintenanceException(
          ErrorCode.INTEGRITY_MISMATCH, "backup " + backup.id() + " lists " + dsId + " but its manifest has no section for it"));
      if (!sandbox.type().equals(section.type())) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "sandbox " + sandboxId + " is of type " + sandbox.type()
            + " but backups of " + dsId + " hold " + section.type() + "; drills.<id>.sandbox must name a datastore of the same type");
      }
      List<String> resources = section.resources().stream().map(ResourceSummary::name).toList();
      long bytes = section.artifacts().stream().mapToLong(ArtifactInfo::size).sum();
      if (dryRun) {
        items.add(new TaskItem(target, "drill", "would-do", "restore backup " + backup.id() + " (" + resources.size()
            + " resources, " + section.artifacts().size() + " artifacts, " + bytes + " bytes) into sandbox " + sandboxId
            + ", check it against the manifest and remove it again"));
        part.state(DatastoreProgress.State.DONE);
        return;
      }
      String drillId = Ids.next("dr", ctx.clock());
      ctx.drills().insert(drillId, taskId, dsId, sandboxId, backup.id(), resources, ctx.clock().instant(), lease.id());
      try {
        String detail = restoreAndCheck(taskId, backup, manifest, section, sandbox, drillId, part, lease);
        ctx.drills().finish(drillId, true, detail, Optional.empty(), ctx.clock().instant());
        items.add(new TaskItem(target, "drill", "ok", detail));
        ctx.audit("task:" + taskId, "drill", "success", dsId, AuditLog.details("backupId", backup.id(), "sandbox", sandboxId,
            "detail", detail));
        part.state(DatastoreProgress.State.DONE);
      } catch (RuntimeException e) {
        MaintenanceException failure = Guard.wrap(ErrorCode.DATASTORE_FAILURE, "drill of " + dsId, e);
        try {
          ctx.drills().finish(drillId, false, failure.getMessage(), Optional.of(failure.code().name()), ctx.clock().instant());
        } catch (MaintenanceException catalogDown) {
          failure.addSuppressed(catalogDown);
        }
        ctx.audit("task:" + taskId, "drill", failure.code().name(), dsId, AuditLog.details("backupId", backup.id(),
            "sandbox", sandboxId, "reason", failure.getMessage()));
        throw failure;
      }
    } catch (MaintenanceException e) {
      part.state(DatastoreProgress.State.FAILED);
      if (e.code() == ErrorCode.CANCELLED || e.code() == ErrorCode.LEASE_LOST) {
        throw e;
      }
      LOG.warn("Restore drill of {} into {} failed: {}", dsId, sandboxId, e.toString());
      items.add(new TaskItem(target, "drill", e.code().name(), e.getMessage()));
    }
  }

  /** Restores into the sandbox, checks, and removes it again; returns what was proven. */
  private String restoreAndCheck(String taskId, BackupCatalog.Row backup, BackupManifest manifest, DatastoreManifest section,
      Datastore sandbox, String drillId, Tracker.Part part, Leases.Lease lease) {
    Tracker progress = lease.progress();
    long bytes = section.artifacts().stream().mapToLong(ArtifactInfo::size).sum();
    // Every artifact is read twice: once through SHA-256 alone, once by the restore (which verifies it again).
    part.start(2 * bytes, false);
    StorageArtifactSource source = restores.sourceFor(backup, section, ctx.artifacts().reader(manifest, section),
        new CountingStorage(ctx.storage(), part::addBytes));
    progress.phase("checking the artifacts of " + section.id());
    Guard.run(ErrorCode.STORAGE_FAILURE, "checking the artifacts of " + section.id(), source::verifyAll);
    lease.ensureActive();
    progress.phase("planning the restore of " + section.id() + " into " + sandbox.id());
    DatastorePlan plan = Guard.run(ErrorCode.DATASTORE_FAILURE, "planning the drill of " + section.id() + " into " + sandbox.id(),
        () -> sandbox.plan(RestoreService.context(taskId, backup.id(), section, source, Set.of(), Map.of(), Optional.empty(),
            lease::ensureActive, part)));
    requireEmpty(plan, sandbox.id(), section.id());
    lease.ensureActive();
    ctx.drills().restoring(drillId);
    List<String> names = section.resources().stream().map(ResourceSummary::name).toList();
    String checked;
    try {
      progress.phase("restoring " + section.id() + " into " + sandbox.id());
      RestoreContext rc = RestoreService.context(taskId, backup.id(), section, source, Set.of(), Map.of(), Optional.of(plan),
          lease::ensureActive, part);
      RestoreOutcome outcome = Guard.run(ErrorCode.DATASTORE_FAILURE, "restoring " + section.id() + " into " + sandbox.id(),
          () -> sandbox.restore(rc));
      checked = compare(section, plan, outcome);
    } finally {
      progress.phase("removing the drill's data from " + sandbox.id());
      try {
        Guard.run(ErrorCode.DATASTORE_FAILURE, "removing the drill's data from sandbox " + sandbox.id(), () -> {
          sandbox.discard(Set.copyOf(names));
          return null;
        });
        ctx.drills().cleaned(drillId);
      } catch (MaintenanceException e) {
        LOG.warn("Drill {}: could not remove what it restored into {} ({}); the next drill tries again", drillId, sandbox.id(),
            e.toString());
      }
    }
    return "backup " + backup.id() + " restored into sandbox " + sandbox.id() + ": " + section.artifacts().size()
        + " artifacts (" + bytes + " bytes) match their SHA-256, " + checked + "; removed from the sandbox again";
  }

  /** A drill restores only into a sandbox that holds none of the backup's data, so it can never overwrite live data. */
  private static void requireEmpty(DatastorePlan plan, String sandboxId, String dsId) {
    List<String> holding = new ArrayList<>();
    for (ResourceDiff d : plan.resources()) {
      long before = d.counts().stream().mapToLong(CountChange::before).sum();
      if (before > 0 || d.itemsLost() > 0) {
        holding.add(d.name() + " (" + d.counts().stream().filter(c -> c.before() > 0).map(c -> c.metric() + "=" + c.before())
            .collect(Collectors.joining(", ")) + ")");
      }
    }
    if (!holding.isEmpty()) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "sandbox " + sandboxId + " already holds data of " + dsId + "'s"
          + " backup: " + String.join("; ", holding) + ". A drill restores only into an empty sandbox and never overwrites"
          + " data: empty it, or point drills." + dsId + ".sandbox at a scratch database", Map.of("sandbox", sandboxId,
              "reason", "SANDBOX_NOT_EMPTY"));
    }
  }

  /** The restored counts against the manifest's (backup time) and the plan's "after" side; INTEGRITY_MISMATCH on a difference. */
  private static String compare(DatastoreManifest section, DatastorePlan plan, RestoreOutcome outcome) {
    Map<String, Map<String, Long>> found = outcome.resources().stream()
        .collect(Collectors.toMap(ResourceSummary::name, ResourceSummary::counts, (a, b) -> a));
    List<String> mismatches = new ArrayList<>();
    long compared = 0;
    for (ResourceSummary want : section.resources()) {
      Map<String, Long> have = found.get(want.name());
      if (have == null) {
        mismatches.add(want.name() + " is missing after the restore");
        continue;
      }
      for (Map.Entry<String, Long> c : want.counts().entrySet()) {
        compared++;
        if (!c.getValue().equals(have.get(c.getKey()))) {
          mismatches.add(want.name() + " " + c.getKey() + " is " + have.get(c.getKey()) + ", the manifest says " + c.getValue());
        }
      }
    }
    for (ResourceDiff d : plan.resources()) {
      for (CountChange c : d.counts()) {
        Long actual = found.getOrDefault(d.name(), Map.of()).get(c.metric());
        if (actual == null || actual != c.after()) {
          mismatches.add(d.name() + " " + c.metric() + " is " + actual + ", the plan said " + c.after());
        }
      }
    }
    if (!mismatches.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "the restored data does not match the backup: "
          + String.join("; ", mismatches));
    }
    return section.resources().size() + " resources restored with the counts the manifest recorded (" + compared + " counts)";
  }

  /** Removes what earlier drills into this sandbox restored and could not remove (their process stopped, or the sandbox failed). */
  private void cleanUpLeftovers(Datastore sandbox, boolean dryRun, List<TaskItem> items, Leases.Lease lease) {
    for (DrillCatalog.Leftover l : ctx.drills().leftovers(sandbox.id())) {
      lease.ensureActive();
      if (dryRun) {
        items.add(new TaskItem(sandbox.id(), "drill-cleanup", "would-do", "remove what drill " + l.id() + " restored: "
            + String.join(", ", l.resources())));
        continue;
      }
      Guard.run(ErrorCode.DATASTORE_FAILURE, "removing what drill " + l.id() + " left in sandbox " + sandbox.id(), () -> {
        sandbox.discard(Set.copyOf(l.resources()));
        return null;
      });
      ctx.drills().cleaned(l.id());
      items.add(new TaskItem(sandbox.id(), "drill-cleanup", "done", "removed what drill " + l.id() + " (backup " + l.backupId()
          + ") left: " + String.join(", ", l.resources())));
    }
  }
}
