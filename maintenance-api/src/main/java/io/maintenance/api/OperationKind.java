package io.maintenance.api;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** What an {@link Operation} does. Housekeeping kinds carry the name of their {@link TaskType}. */
public enum OperationKind {
  BACKUP(Scope.BACKUP),
  /** Deleting one backup ({@link Maintenance#deleteBackup}). */
  DELETE_BACKUP(Scope.HOUSEKEEPING),
  /** Applying a confirmed restore. */
  RESTORE(Scope.RESTORE_APPLY),
  RETENTION(Scope.HOUSEKEEPING),
  VERIFY(Scope.HOUSEKEEPING),
  REINDEX(Scope.HOUSEKEEPING),
  ORPHAN_SWEEP(Scope.HOUSEKEEPING),
  REKEY(Scope.HOUSEKEEPING),
  /** A restore drill ({@link TaskType#DRILL}). */
  DRILL(Scope.HOUSEKEEPING),
  /** The engine settling what a stopped process left (at start-up, or when it takes over an expired lease). */
  RECOVERY(null);

  private final @Nullable Scope scope;

  OperationKind(@Nullable Scope scope) {
    this.scope = scope;
  }

  /** The scope that starts (and may cancel) operations of this kind; empty for the engine's own work, which nobody cancels. */
  public Optional<Scope> scope() {
    return Optional.ofNullable(scope);
  }

  /** The kind of a housekeeping task. */
  public static OperationKind of(TaskType type) {
    return valueOf(type.name());
  }
}
