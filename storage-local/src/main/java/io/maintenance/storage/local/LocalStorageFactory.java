package io.maintenance.storage.local;

import com.google.auto.service.AutoService;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.StorageProviderFactory;
import java.nio.file.Path;

/**
 * {@code local}: keys: {@code path} (required, the directory), {@code chunk-size} (default 8MiB, the
 * resume granularity), {@code fsync} (default true).
 */
@AutoService(StorageProviderFactory.class)
public final class LocalStorageFactory implements StorageProviderFactory {
  @Override
  public String name() {
    return "local";
  }

  @Override
  public StorageProvider create(PluginConfig config) {
    long chunk = config.bytes("chunk-size", 8L * 1024 * 1024);
    if (chunk <= 0 || chunk > Integer.MAX_VALUE) {
      throw config.invalid("chunk-size", "must be between 1 byte and 2GiB");
    }
    return new LocalStorage(Path.of(config.require("path")), (int) chunk, config.bool("fsync", true));
  }
}
