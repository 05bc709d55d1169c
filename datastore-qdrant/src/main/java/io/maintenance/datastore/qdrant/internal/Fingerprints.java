package io.maintenance.datastore.qdrant.internal;

import io.maintenance.spi.Fingerprint;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The fingerprint of the selected collections (what drift detection compares between preview and confirm). */
public final class Fingerprints {
  private final Server server;

  public Fingerprints(Server server) {
    this.server = server;
  }

  public Fingerprint fingerprint(Set<String> resources) {
    try {
      Set<String> names = resources.isEmpty() ? new TreeSet<>(server.selected()) : new TreeSet<>(resources);
      Targets t = server.targets();
      Map<String, String> components = new TreeMap<>();
      for (String name : names) {
        components.put(name, t.isAlias(name) ? "alias-of:" + t.aliasTargets().get(name)
            : server.live(name, t, server.settings().driftCheck()).map(CollectionState::fingerprint).orElse("absent"));
      }
      return Fingerprint.of(components);
    } catch (IOException e) {
      throw QdrantErrors.of("fingerprinting Qdrant collections", e);
    }
  }
}
