package io.maintenance.datastore.qdrant.internal;

import io.maintenance.datastore.qdrant.DriftCheck;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Collection names and alias targets as they are now. Qdrant resolves aliases in exists, info, count
 * and recover, so a name is looked up here first: only a name in {@link #collections} is a collection.
 */
record Targets(Set<String> collections, Map<String, String> aliasTargets) {
  static Targets read(GrpcGateway grpc) throws IOException {
    return new Targets(new TreeSet<>(grpc.listCollections()), grpc.aliasTargets());
  }

  boolean isAlias(String name) {
    return aliasTargets.containsKey(name);
  }

  List<String> aliasesOf(String collection) {
    return aliasTargets.entrySet().stream().filter(e -> e.getValue().equals(collection)).map(Map.Entry::getKey).sorted().toList();
  }

  /** The live collection named {@code name} (never the one an alias of that name points at). */
  Optional<CollectionState> live(GrpcGateway grpc, String name, DriftCheck check) throws IOException {
    return collections.contains(name) ? grpc.state(name, aliasesOf(name), check) : Optional.empty();
  }
}
