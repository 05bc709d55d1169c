package io.maintenance.datastore.qdrant;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.support.Contexts;
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

  /** A restore context like the harness's, over another artifact source. */
  static RestoreContext context(DatastoreManifest m, ArtifactSource source, Optional<DatastorePlan> plan) {
    return new Contexts.Restore("r-test", m.metadata().get(DatastoreHarness.BACKUP_ID), m, source, Map.of(), plan,
        ProgressListener.NONE);
  }
}
