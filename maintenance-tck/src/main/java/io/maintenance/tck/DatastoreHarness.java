package io.maintenance.tck;

import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.StorageArtifactSource;
import io.maintenance.spi.internal.UploadTracker;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Drives a {@link Datastore} the way the engine does — backup into storage, plan, restore — without a
 * catalog, so plugin tests can exercise the SPI directly. Artifacts go to an {@link InMemoryStorage}
 * unless another provider is given.
 */
public final class DatastoreHarness {
  private static final String PREFIX = "tck";

  private final Datastore datastore;
  private final InMemoryStorage storage;

  public DatastoreHarness(Datastore datastore) {
    this(datastore, new InMemoryStorage());
  }

  public DatastoreHarness(Datastore datastore, InMemoryStorage storage) {
    this.datastore = datastore;
    this.storage = storage;
  }

  public InMemoryStorage storage() {
    return storage;
  }

  /** A full backup; returns the datastore's part of the manifest. */
  public DatastoreManifest backup() throws IOException {
    return backup(BackupType.FULL, Optional.empty());
  }

  /** A backup, incremental against {@code parent} when given. The manifest records which backup it belongs to. */
  public DatastoreManifest backup(BackupType type, Optional<DatastoreManifest> parent) throws IOException {
    String backupId = "b-" + UUID.randomUUID();
    Optional<String> parentId = parent.map(p -> p.metadata().get(BACKUP_ID));
    StorageArtifactSink sink = new StorageArtifactSink(
        storage, BackupLayout.datastoreFolder(PREFIX, backupId, datastore.id()), UploadTracker.NONE, parentId);
    BackupContext ctx = new Contexts.Backup(backupId, type, parent, sink, ProgressListener.NONE);
    DatastoreBackup result;
    try {
      result = datastore.backup(ctx);
    } catch (IOException | RuntimeException e) {
      sink.abortOpen();
      throw e;
    }
    Map<String, String> metadata = new java.util.HashMap<>(result.metadata());
    metadata.put(BACKUP_ID, backupId);
    return new DatastoreManifest(datastore.id(), datastore.type(), datastore.version(),
        result.sourceFingerprint().value(), sink.completed(), result.resources(), metadata);
  }

  /** Metadata key under which the harness records the backup id (the engine keeps it in the manifest itself). */
  public static final String BACKUP_ID = "tck.backupId";

  public DatastorePlan plan(DatastoreManifest manifest) throws IOException {
    return datastore.plan(context(manifest, Optional.empty(), Map.of()));
  }

  public DatastorePlan plan(DatastoreManifest manifest, Map<String, String> options) throws IOException {
    return datastore.plan(context(manifest, Optional.empty(), options));
  }

  public RestoreOutcome restore(DatastoreManifest manifest, DatastorePlan approved) throws IOException {
    return datastore.restore(context(manifest, Optional.of(approved), Map.of()));
  }

  public RestoreOutcome restore(DatastoreManifest manifest, DatastorePlan approved, Map<String, String> options)
      throws IOException {
    return datastore.restore(context(manifest, Optional.of(approved), options));
  }

  /** The storage key of an artifact of a backup made by this harness. */
  public String artifactKey(DatastoreManifest manifest, String artifactName) {
    io.maintenance.api.ArtifactInfo a = manifest.artifacts().stream()
        .filter(x -> x.name().equals(artifactName)).findFirst().orElseThrow();
    String holder = a.heldBy().orElse(manifest.metadata().get(BACKUP_ID));
    return BackupLayout.artifactKey(PREFIX, holder, manifest.id(), a.name());
  }

  public ArtifactSource artifacts(DatastoreManifest manifest) {
    return new StorageArtifactSource(storage, manifest.artifacts(), a -> artifactKey(manifest, a.name()));
  }

  private RestoreContext context(DatastoreManifest manifest, Optional<DatastorePlan> approved, Map<String, String> options) {
    String requestId = "r-" + UUID.randomUUID();
    ArtifactSource source = artifacts(manifest);
    return new Contexts.Restore(requestId, manifest.metadata().get(BACKUP_ID), manifest, source, options, approved,
        ProgressListener.NONE);
  }
}
