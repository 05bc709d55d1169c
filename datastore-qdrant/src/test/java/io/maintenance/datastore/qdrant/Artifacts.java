package io.maintenance.datastore.qdrant;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.support.Digests;
import io.maintenance.tck.DatastoreHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Test helpers that rewrite artifacts of a harness backup as a broken disk or an attacker would. */
final class Artifacts {
  private Artifacts() {}

  static byte[] bytes(DatastoreHarness h, DatastoreManifest m, String artifact) {
    return h.storage().backing().bytes(h.artifactKey(m, artifact)).orElseThrow();
  }

  /** Changes stored bytes behind the manifest's back: the manifest still names the old size and hash. */
  static void tamper(DatastoreHarness h, DatastoreManifest m, String artifact, byte[] bytes) {
    h.storage().backing().tamper(h.artifactKey(m, artifact), bytes);
  }

  /** Replaces an artifact and records the new bytes in a new manifest, as a backup that really held them would. */
  static DatastoreManifest replace(DatastoreHarness h, DatastoreManifest m, String artifact, byte[] bytes) {
    tamper(h, m, artifact, bytes);
    List<ArtifactInfo> artifacts = new ArrayList<>();
    for (ArtifactInfo a : m.artifacts()) {
      artifacts.add(a.name().equals(artifact)
          ? new ArtifactInfo(a.name(), bytes.length, Digests.sha256Hex(bytes), a.contentType(), a.compression(), a.heldBy())
          : a);
    }
    return new DatastoreManifest(m.id(), m.type(), m.pluginVersion(), m.sourceFingerprint(), artifacts, m.resources(), m.metadata());
  }

  /** A restore context like the harness's, for a selection of resources. */
  static RestoreContext context(DatastoreManifest m, ArtifactSource source, java.util.Set<String> resources,
      Optional<DatastorePlan> plan) {
    return new Contexts.Restore("r-test", m.metadata().get(DatastoreHarness.BACKUP_ID), m, source, resources, Map.of(), plan,
        ProgressListener.NONE);
  }

  /** A restore context whose operation is cancelled: {@code ensureActive} throws. */
  static RestoreContext cancelled(RestoreContext ctx, io.maintenance.api.MaintenanceException cancellation) {
    return new RestoreContext() {
      @Override
      public String requestId() {
        return ctx.requestId();
      }

      @Override
      public String backupId() {
        return ctx.backupId();
      }

      @Override
      public DatastoreManifest manifest() {
        return ctx.manifest();
      }

      @Override
      public ArtifactSource artifacts() {
        return ctx.artifacts();
      }

      @Override
      public Map<String, String> options() {
        return ctx.options();
      }

      @Override
      public Optional<DatastorePlan> approvedPlan() {
        return ctx.approvedPlan();
      }

      @Override
      public ProgressListener progress() {
        return ctx.progress();
      }

      @Override
      public void ensureActive() {
        throw cancellation;
      }
    };
  }

  /** A restore context like the harness's, over another artifact source. */
  static RestoreContext context(DatastoreManifest m, ArtifactSource source, Optional<DatastorePlan> plan) {
    return new Contexts.Restore("r-test", m.metadata().get(DatastoreHarness.BACKUP_ID), m, source, Map.of(), plan,
        ProgressListener.NONE);
  }
}
