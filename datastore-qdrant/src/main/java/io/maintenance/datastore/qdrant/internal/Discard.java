package io.maintenance.datastore.qdrant.internal;

import io.qdrant.client.grpc.Collections.AliasOperations;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Removes collections from a restore drill's sandbox: first every alias pointing at them, then the
 * collections. A name that is only an alias (of a collection not named) is left alone, as is every
 * other collection and alias.
 */
public final class Discard {
  private final Server server;

  public Discard(Server server) {
    this.server = server;
  }

  public void discard(Set<String> collections) {
    if (collections.isEmpty()) {
      return;
    }
    try {
      Targets t = server.targets();
      Set<String> present = new TreeSet<>(collections);
      present.retainAll(t.collections());
      List<AliasOperations> ops = new ArrayList<>();
      for (String c : present) {
        for (String alias : t.aliasesOf(c)) {
          ops.add(AliasChange.delete(alias));
        }
      }
      server.grpc().updateAliases(ops);
      for (String c : present) {
        server.grpc().deleteCollection(c);
      }
    } catch (IOException e) {
      throw QdrantErrors.of("discarding collections " + new TreeSet<>(collections), e);
    }
  }
}
