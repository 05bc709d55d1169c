package io.maintenance.spi.internal;

import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.TaskType;
import io.maintenance.spi.ArtifactSink;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.TaskContext;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plain implementations of the datastore contexts, for whoever drives a datastore: the engine, the
 * TCK's harness, benchmarks, a plugin's own tests.
 */
public final class Contexts {
  private Contexts() {}

  /** Never stops: for callers that run no lease (the TCK's harness, benchmarks, a plugin's own tests). */
  public static final Runnable ALWAYS_ACTIVE = () -> {};

  /** @param activeCheck what {@link #ensureActive()} runs: throws when the operation must stop */
  public record Backup(String backupId, BackupType type, Optional<DatastoreManifest> parent, ArtifactSink artifacts,
      ProgressListener progress, Runnable activeCheck) implements BackupContext {
    public Backup(String backupId, BackupType type, Optional<DatastoreManifest> parent, ArtifactSink artifacts,
        ProgressListener progress) {
      this(backupId, type, parent, artifacts, progress, ALWAYS_ACTIVE);
    }

    @Override
    public void ensureActive() {
      activeCheck.run();
    }
  }

  /** @param activeCheck what {@link #ensureActive()} runs: throws when the operation must stop */
  public record Restore(String requestId, String backupId, DatastoreManifest manifest, ArtifactSource artifacts,
      Set<String> resources, Map<String, String> options, Optional<DatastorePlan> approvedPlan, ProgressListener progress,
      Runnable activeCheck) implements RestoreContext {
    public Restore {
      resources = Set.copyOf(resources);
      options = Map.copyOf(options);
    }

    public Restore(String requestId, String backupId, DatastoreManifest manifest, ArtifactSource artifacts,
        Set<String> resources, Map<String, String> options, Optional<DatastorePlan> approvedPlan, ProgressListener progress) {
      this(requestId, backupId, manifest, artifacts, resources, options, approvedPlan, progress, ALWAYS_ACTIVE);
    }

    /** A restore of every resource in the manifest. */
    public Restore(String requestId, String backupId, DatastoreManifest manifest, ArtifactSource artifacts,
        Map<String, String> options, Optional<DatastorePlan> approvedPlan, ProgressListener progress) {
      this(requestId, backupId, manifest, artifacts, Set.of(), options, approvedPlan, progress);
    }

    @Override
    public void ensureActive() {
      activeCheck.run();
    }
  }

  /** @param activeCheck what {@link #ensureActive()} runs: throws when the operation must stop */
  public record Task(String taskId, TaskType type, boolean dryRun, ProgressListener progress, Runnable activeCheck)
      implements TaskContext {
    public Task(String taskId, TaskType type, boolean dryRun, ProgressListener progress) {
      this(taskId, type, dryRun, progress, ALWAYS_ACTIVE);
    }

    @Override
    public void ensureActive() {
      activeCheck.run();
    }
  }
}
