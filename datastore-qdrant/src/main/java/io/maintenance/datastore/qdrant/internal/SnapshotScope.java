package io.maintenance.datastore.qdrant.internal;

import java.util.OptionalInt;

/** What a snapshot covers: a whole collection on one node, or one shard of it. */
public record SnapshotScope(String collection, OptionalInt shard) {
  public static SnapshotScope collection(String collection) {
    return new SnapshotScope(collection, OptionalInt.empty());
  }

  public static SnapshotScope shard(String collection, int shard) {
    return new SnapshotScope(collection, OptionalInt.of(shard));
  }

  /** The REST path the snapshot endpoints hang off. */
  String path() {
    String c = "collections/" + Names.encode(collection);
    return shard.isPresent() ? c + "/shards/" + shard.getAsInt() : c;
  }

  @Override
  public String toString() {
    return shard.isPresent() ? "shard " + shard.getAsInt() + " of '" + collection + "'" : "'" + collection + "'";
  }
}
