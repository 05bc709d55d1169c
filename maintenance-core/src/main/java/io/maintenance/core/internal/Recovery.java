package io.maintenance.core.internal;

import io.maintenance.api.TaskItem;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.RestoreCatalog;
import io.maintenance.core.internal.restore.RestoreService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles what operations whose lease is gone left behind: RUNNING backups become ABANDONED, RUNNING
 * tasks FAILED, and APPLYING restores are reconciled with what their datastores hold (APPLIED or
 * FAILED, never a guess: see {@link RestoreService#reconcile}). Rows of live leases are never touched.
 * Runs under an exclusive lease: at start-up, when a lease is taken over from an expired one, and in
 * the orphan sweep. Every decision is audited.
 */
public final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

  private final EngineContext ctx;
  private final RestoreService restores;

  public Recovery(EngineContext ctx, RestoreService restores) {
    this.ctx = ctx;
    this.restores = restores;
  }

  /** Settles (or with {@code dryRun} lists) the rows of gone leases; returns one item per row. */
  public List<TaskItem> settle(String actor, boolean dryRun) {
    Instant now = ctx.clock().instant();
    List<TaskItem> items = new ArrayList<>();
    if (dryRun) {
      for (BackupCatalog.Row r : ctx.backups().runningUnowned()) {
        items.add(new TaskItem(r.id(), "abandon", "would-do", "RUNNING but its lease is gone"));
      }
      for (RestoreCatalog.Row r : ctx.restores().applyingUnowned()) {
        items.add(new TaskItem(r.id(), "reconcile-restore", "would-do", "APPLYING but its lease is gone"));
      }
      return items;
    }
    List<String> abandoned = ctx.backups().abandonUnowned(now);
    abandoned.forEach(id -> items.add(new TaskItem(id, "abandon", "done", "RUNNING but its lease is gone")));
    List<String> tasks = ctx.tasks().failUnowned(now);
    tasks.forEach(id -> items.add(new TaskItem(id, "fail-task", "done", "RUNNING but its lease is gone")));
    List<String> reconciled = new ArrayList<>();
    for (RestoreCatalog.Row r : ctx.restores().applyingUnowned()) {
      restores.reconcile(r, actor).ifPresentOrElse(rec -> {
        reconciled.add(rec.requestId() + "=" + rec.status());
        r.leaseId().ifPresent(op -> ctx.operations().settleOutcome(op, rec.status() == io.maintenance.api.RestoreStatus.APPLIED
            ? io.maintenance.api.OperationStatus.SUCCEEDED : io.maintenance.api.OperationStatus.FAILED,
            rec.status() == io.maintenance.api.RestoreStatus.APPLIED ? Optional.empty()
                : Optional.of(new io.maintenance.api.ErrorInfo("LEASE_LOST", rec.decision()))));
        items.add(new TaskItem(rec.requestId(), "reconcile-restore", "done", rec.status() + ": " + rec.decision()));
      }, () -> items.add(new TaskItem(r.id(), "reconcile-restore", "DEPENDENCY_UNAVAILABLE",
          "its datastores cannot be compared now; it stays APPLYING until the next recovery or sweep")));
    }
    List<String> operations = ctx.operations().settleGone();
    operations.forEach(id -> items.add(new TaskItem(id, "fail-operation", "done", "RUNNING but its lease is gone")));
    if (!abandoned.isEmpty() || !tasks.isEmpty() || !reconciled.isEmpty()) {
      LOG.warn("Recovery: backups {} ABANDONED, tasks {} FAILED, restores reconciled {}; run ORPHAN_SWEEP to remove their"
          + " leftovers", abandoned, tasks, reconciled);
      ctx.audit(actor, "engine.recover", "success", "-", AuditLog.details("abandonedBackups", String.join(",", abandoned),
          "failedTasks", String.join(",", tasks), "reconciledRestores", String.join(",", reconciled)));
    }
    return items;
  }
}
