package io.maintenance.spi.internal;

import io.maintenance.spi.support.StorageKeys;
/**
 * Where a backup set lives in storage: {@code <prefix>/<backupId>/owner.json} (written first: which
 * deployment wrote the folder), {@code <prefix>/<backupId>/manifest.json} (written last) and
 * {@code <prefix>/<backupId>/<datastoreId>/<artifact>}.
 */
public final class BackupLayout {
  public static final String MANIFEST = "manifest.json";
  public static final String OWNER = "owner.json";

  private BackupLayout() {}

  public static String backupFolder(String prefix, String backupId) {
    return StorageKeys.join(prefix, StorageKeys.segment(backupId));
  }

  public static String manifestKey(String prefix, String backupId) {
    return StorageKeys.join(backupFolder(prefix, backupId), MANIFEST);
  }

  public static String ownerKey(String prefix, String backupId) {
    return StorageKeys.join(backupFolder(prefix, backupId), OWNER);
  }

  public static String datastoreFolder(String prefix, String backupId, String datastoreId) {
    return StorageKeys.join(backupFolder(prefix, backupId), StorageKeys.segment(datastoreId));
  }

  public static String artifactKey(String prefix, String backupId, String datastoreId, String artifactName) {
    return StorageKeys.join(datastoreFolder(prefix, backupId, datastoreId), StorageKeys.segment(artifactName));
  }
}
