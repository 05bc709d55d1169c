package io.maintenance.spi;

/**
 * Creates a {@link StorageProvider} from configuration. Registered for {@link java.util.ServiceLoader}
 * (e.g. with {@code @AutoService(StorageProviderFactory.class)}).
 */
public interface StorageProviderFactory {
  /** Unique name, e.g. {@code local}, {@code s3}, {@code gcs}. */
  String name();

  StorageProvider create(PluginConfig config);
}
