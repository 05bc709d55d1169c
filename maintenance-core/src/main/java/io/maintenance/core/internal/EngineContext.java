package io.maintenance.core.internal;

import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RetentionPolicy;
import io.maintenance.core.internal.artifacts.Artifacts;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.Leases;
import io.maintenance.core.internal.catalog.RestoreCatalog;
import io.maintenance.core.internal.catalog.TaskCatalog;
import io.maintenance.core.internal.catalog.UploadSessionCatalog;
import io.maintenance.core.internal.metrics.EngineMetrics;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.StorageProvider;
import java.time.Clock;
import java.util.Map;

/**
 * Everything the engine's services share, wired once by the builder.
 *
 * @param owner identifies this engine instance in catalog rows and leases (host, pid, a random part)
 * @param storagePrefix where new backup sets go in storage
 * @param deploymentId this catalog's mark on the storage folders it writes
 * @param partialUploadAge partial uploads no session knows are swept once unwritten this long
 * @param operations the operations (lease rows) as the catalog knows them
 */
public record EngineContext(
    Clock clock,
    String owner,
    String engineVersion,
    StorageProvider storage,
    String storagePrefix,
    Map<String, Datastore> datastores,
    BackupCatalog backups,
    RestoreCatalog restores,
    TaskCatalog tasks,
    UploadSessionCatalog uploads,
    Leases leases,
    AuditLog audit,
    EngineMetrics metrics,
    RestorePolicy restorePolicy,
    RetentionPolicy retentionPolicy,
    Artifacts artifacts,
    String deploymentId,
    java.time.Duration partialUploadAge,
    io.maintenance.core.internal.catalog.OperationCatalog operations) {

  /** Records an audit event stamped with the engine's clock. */
  public void audit(String actor, String action, String outcome, String target, Map<String, String> details) {
    audit.record(new io.maintenance.api.AuditEvent(clock.instant(), actor, action, outcome, target, details));
  }

}
