package io.maintenance.storage.local;

import com.google.auto.service.AutoService;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.StorageProviderFactory;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * {@code local}: keys: {@code path} (required, the directory), {@code chunk-size} (default 8MiB, the
 * resume granularity), {@code fsync} (default true).
 */
@AutoService(StorageProviderFactory.class)
public final class LocalStorageProviderFactory implements StorageProviderFactory {
  @Override
  public String name() {
    return LocalStorageProvider.NAME;
  }

  @Override
  public StorageProvider create(PluginConfig config) {
    String path = config.require("path");
    LocalStorageProvider.Builder b = LocalStorageProvider.builder()
        .chunkSize(config.bytes("chunk-size", LocalStorageProvider.Builder.DEFAULT_CHUNK_SIZE))
        .fsync(config.bool("fsync", true));
    try {
      b.path(Path.of(path));
    } catch (InvalidPathException e) {
      throw config.invalid("path", "is not a valid path: " + e.getMessage());
    }
    return b.build();
  }
}
