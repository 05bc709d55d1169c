package io.maintenance.spi;

/**
 * Creates {@link Datastore}s from configuration. Registered for {@link java.util.ServiceLoader}
 * (e.g. with {@code @AutoService(DatastoreFactory.class)}).
 */
public interface DatastoreFactory {
  /** Unique plugin type, e.g. {@code postgres}, {@code falkordb}, {@code qdrant}. */
  String type();

  /** @param id the instance id the host chose */
  Datastore create(String id, PluginConfig config);
}
