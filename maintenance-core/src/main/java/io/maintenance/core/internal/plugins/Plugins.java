package io.maintenance.core.internal.plugins;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.DatastoreFactory;
import io.maintenance.spi.StorageProviderFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Plugin factories found with {@link ServiceLoader}. Two factories with one name fail at start-up,
 * and asking for an unknown name fails with the list of known names.
 */
public final class Plugins {
  private final Map<String, StorageProviderFactory> storage;
  private final Map<String, DatastoreFactory> datastores;

  private Plugins(Map<String, StorageProviderFactory> storage, Map<String, DatastoreFactory> datastores) {
    this.storage = storage;
    this.datastores = datastores;
  }

  public static Plugins discover(ClassLoader loader) {
    return new Plugins(
        index("storage provider", ServiceLoader.load(StorageProviderFactory.class, loader), StorageProviderFactory::name),
        index("datastore type", ServiceLoader.load(DatastoreFactory.class, loader), DatastoreFactory::type));
  }

  public StorageProviderFactory storage(String name) {
    StorageProviderFactory f = storage.get(name);
    if (f == null) {
      throw unknown("storage provider", name, storage.keySet());
    }
    return f;
  }

  public DatastoreFactory datastore(String type) {
    DatastoreFactory f = datastores.get(type);
    if (f == null) {
      throw unknown("datastore type", type, datastores.keySet());
    }
    return f;
  }

  private static <T> Map<String, T> index(String what, ServiceLoader<T> loader, Function<T, String> name) {
    Map<String, T> out = new TreeMap<>();
    List<String> duplicates = new ArrayList<>();
    for (T factory : loader) {
      T previous = out.putIfAbsent(name.apply(factory), factory);
      if (previous != null) {
        duplicates.add(name.apply(factory) + " (" + previous.getClass().getName() + " and " + factory.getClass().getName() + ")");
      }
    }
    if (!duplicates.isEmpty()) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID,
          "more than one " + what + " plugin registered under the same name: " + String.join(", ", duplicates));
    }
    return out;
  }

  public static MaintenanceException unknown(String what, String name, java.util.Collection<String> known) {
    return new MaintenanceException(ErrorCode.CONFIG_INVALID, "unknown " + what + " '" + name + "'; known: "
        + (known.isEmpty() ? "none (is the plugin jar on the class path?)" : String.join(", ", new java.util.TreeSet<>(known))),
        Map.of("name", name, "known", String.join(",", new java.util.TreeSet<>(known))));
  }
}
