package io.maintenance.core.internal.backup;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.core.internal.EngineContext;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.internal.ArtifactCodec;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.StorageArtifactSource;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads one datastore's artifacts of a backup, wherever they are held: in the backup's own folder, or in the
 * folder of the earlier backup an incremental reuses them from. Restores read through the artifact policy's
 * codec; VERIFY reads the stored bytes.
 */
public final class BackupArtifacts {
  private BackupArtifacts() {}

  /** Through {@code codec} (decrypting, decompressing) and {@code storage} (e.g. one that counts an operation's bytes). */
  public static StorageArtifactSource open(EngineContext ctx, BackupCatalog.Row backup, DatastoreManifest section,
      ArtifactCodec codec, StorageProvider storage) {
    Map<String, String> prefixes = new HashMap<>();
    return new StorageArtifactSource(storage, section.artifacts(), (ArtifactInfo a) -> {
      String holder = a.heldBy().orElse(backup.id());
      String prefix = holder.equals(backup.id()) ? backup.storagePrefix()
          : prefixes.computeIfAbsent(holder, h -> ctx.backups().find(h).map(BackupCatalog.Row::storagePrefix)
              .orElseThrow(() -> new MaintenanceException(ErrorCode.ARTIFACT_MISSING, "artifact " + a.name()
                  + " is held by backup " + h + ", which no longer exists")));
      return BackupLayout.artifactKey(prefix, holder, section.id(), a.name());
    }, codec);
  }

  /** The stored bytes, for checking them against the manifest: needs no key. */
  public static StorageArtifactSource stored(EngineContext ctx, BackupCatalog.Row backup, DatastoreManifest section) {
    return open(ctx, backup, section, ArtifactCodec.plain(), ctx.storage());
  }
}
