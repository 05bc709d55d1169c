package io.maintenance.core.internal.backup;

import io.maintenance.api.BackupManifest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.core.internal.Guard;
import io.maintenance.core.internal.Json;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.support.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.Optional;

/** Writes {@code manifest.json} (last) and reads it back, refusing one that does not match the catalog. */
public final class ManifestStore {
  /** Manifests are small; anything bigger is not one of ours. */
  private static final int MAX_BYTES = 64 * 1024 * 1024;

  private final StorageProvider storage;
  private final BackupCatalog catalog;

  public ManifestStore(StorageProvider storage, BackupCatalog catalog) {
    this.storage = storage;
    this.catalog = catalog;
  }

  /** The written manifest's SHA-256 and size. */
  public record Written(String sha256, long size) {}

  public Written write(String prefix, BackupManifest manifest) {
    byte[] bytes = Json.writePretty(manifest);
    put(prefix, manifest, bytes);
    return new Written(Digests.sha256Hex(bytes), bytes.length);
  }

  /**
   * Replaces a succeeded backup's manifest (REKEY: the same artifacts, data keys wrapped anew) so that a
   * crash at any point leaves a manifest the catalog accepts: the new SHA-256 is recorded as pending
   * first, the manifest replaced (atomically, by every provider), then the pending SHA-256 made current.
   */
  public Written rewrite(BackupCatalog.Row row, BackupManifest manifest, long oldSize) {
    byte[] bytes = Json.writePretty(manifest);
    String sha = Digests.sha256Hex(bytes);
    if (!catalog.beginManifestRewrite(row.id(), row.record().manifestSha256().orElseThrow(), sha)) {
      throw new MaintenanceException(ErrorCode.OPERATION_IN_PROGRESS, "backup " + row.id() + " changed meanwhile",
          Map.of("backupId", row.id()));
    }
    put(row.storagePrefix(), manifest, bytes);
    catalog.finishManifestRewrite(row.id(), sha, bytes.length - oldSize);
    return new Written(sha, bytes.length);
  }

  private void put(String prefix, BackupManifest manifest, byte[] bytes) {
    String key = BackupLayout.manifestKey(prefix, manifest.backupId());
    Guard.run(ErrorCode.STORAGE_FAILURE, "writing the manifest of " + manifest.backupId(), () -> {
      try (Upload u = storage.startUpload(key, UploadOptions.of("application/json"))) {
        u.write(bytes, 0, bytes.length);
        return u.complete();
      }
    });
  }

  /** Reads and checks a succeeded backup's manifest against the catalog's SHA-256. */
  public BackupManifest read(BackupCatalog.Row row) {
    return readChecked(row).manifest();
  }

  /** A manifest with the SHA-256 and size of its bytes. */
  public record Read(BackupManifest manifest, String sha256, long size) {}

  /** Reads and checks a succeeded backup's manifest; accepts the one an interrupted REKEY wrote. */
  public Read readChecked(BackupCatalog.Row row) {
    String id = row.id();
    String expected = row.record().manifestSha256().orElseThrow(() ->
        new MaintenanceException(ErrorCode.INVALID_REQUEST, "backup " + id + " is " + row.record().status() + ", it has no manifest",
            Map.of("backupId", id)));
    String key = BackupLayout.manifestKey(row.storagePrefix(), id);
    byte[] bytes = Guard.run(ErrorCode.STORAGE_FAILURE, "reading the manifest of " + id, () -> {
      try (InputStream in = storage.openRead(ReadRequest.whole(key))) {
        byte[] b = in.readNBytes(MAX_BYTES + 1);
        if (b.length > MAX_BYTES) {
          throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "manifest of " + id + " is larger than any manifest we write",
              Map.of("backupId", id));
        }
        return b;
      } catch (NoSuchFileException e) {
        throw new MaintenanceException(ErrorCode.ARTIFACT_MISSING, "manifest of backup " + id + " is not in storage",
            Map.of("backupId", id, "key", key));
      }
    });
    String actual = Digests.sha256Hex(bytes);
    if (!actual.equals(expected) && !catalog.pendingManifest(id).equals(Optional.of(actual))) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "manifest of backup " + id + " does not match the catalog",
          Map.of("backupId", id, "expectedSha256", expected, "actualSha256", actual));
    }
    BackupManifest m;
    try {
      m = Json.MAPPER.readValue(bytes, BackupManifest.class);
    } catch (IOException | RuntimeException e) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "manifest of backup " + id + " cannot be read: " + e.getMessage(),
          Map.of("backupId", id));
    }
    if (m.formatVersion() > BackupManifest.FORMAT_VERSION) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "manifest of backup " + id + " has format version "
          + m.formatVersion() + "; this engine reads up to " + BackupManifest.FORMAT_VERSION, Map.of("backupId", id));
    }
    if (!m.backupId().equals(id)) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "manifest in the folder of " + id + " belongs to " + m.backupId(),
          Map.of("backupId", id));
    }
    return new Read(m, actual, bytes.length);
  }
}
