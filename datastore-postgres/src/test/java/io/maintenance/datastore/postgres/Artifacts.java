package io.maintenance.datastore.postgres;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.tck.DatastoreHarness;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Makes a new backup from an existing one with one artifact's text edited and correctly checksummed, as
 * a buggy writer or a forger holding the manifest would: integrity checks pass, so the plugin's own
 * validation must catch the problem.
 */
final class Artifacts {
  private Artifacts() {}

  static DatastoreManifest edit(DatastoreHarness harness, DatastoreManifest m, String artifact, UnaryOperator<String> edit)
      throws IOException {
    String backupId = "b-" + UUID.randomUUID();
    StorageArtifactSink sink = new StorageArtifactSink(harness.storage(),
        BackupLayout.datastoreFolder("tck", backupId, m.id()), UploadTracker.NONE, Optional.empty());
    boolean found = false;
    for (ArtifactInfo a : m.artifacts()) {
      byte[] bytes = harness.storage().backing().bytes(harness.artifactKey(m, a.name())).orElseThrow();
      if (a.name().equals(artifact)) {
        String before = new String(bytes, StandardCharsets.UTF_8);
        String after = edit.apply(before);
        if (after.equals(before)) {
          throw new IllegalStateException("the edit changed nothing in " + artifact);
        }
        bytes = after.getBytes(StandardCharsets.UTF_8);
        found = true;
      }
      try (OutputStream out = sink.create(a.name(), a.contentType(), a.compression())) {
        out.write(bytes);
      }
    }
    if (!found) {
      throw new IllegalStateException("no artifact " + artifact + " in " + m.artifacts());
    }
    Map<String, String> metadata = new HashMap<>(m.metadata());
    metadata.put(DatastoreHarness.BACKUP_ID, backupId);
    return new DatastoreManifest(m.id(), m.type(), m.pluginVersion(), m.sourceFingerprint(), sink.completed(),
        m.resources(), metadata);
  }
}
