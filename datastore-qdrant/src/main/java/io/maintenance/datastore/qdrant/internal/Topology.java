package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a Qdrant deployment keeps what: whether it runs as a cluster, its peers, the REST URL of each
 * peer the plugin can reach ({@code url} itself, or every {@code peer-urls} entry, each asked for its
 * peer id), and the shard placement of a collection. Shard snapshots can only be made, listed, downloaded
 * and recovered on a node that holds the shard, so every per-shard call goes to that node's own URL.
 */
final class Topology {
  private final boolean distributed;
  private final TreeSet<Long> peers;
  private final Map<Long, RestClient> nodes;
  private final RestClient main;

  /** One replica of a shard: the peer holding it and its state ({@code Active}, {@code Dead}, ...). */
  record Replica(long peer, String state) {
    boolean active() {
      return state.equals("Active");
    }
  }

  private Topology(boolean distributed, TreeSet<Long> peers, Map<Long, RestClient> nodes, RestClient main) {
    this.distributed = distributed;
    this.peers = peers;
    this.nodes = nodes;
    this.main = main;
  }

  static Topology discover(QdrantSettings settings, RestClient main) throws IOException {
    JsonNode cluster = main.cluster();
    if (!"enabled".equals(cluster.path("status").asText())) {
      return new Topology(false, new TreeSet<>(), Map.of(), main);
    }
    TreeSet<Long> peers = new TreeSet<>();
    cluster.path("peers").fieldNames().forEachRemaining(p -> peers.add(Long.parseLong(p)));
    Map<Long, RestClient> nodes = new LinkedHashMap<>();
    if (settings.peerUrls().isEmpty()) {
      nodes.put(cluster.path("peer_id").asLong(), main);
    } else {
      for (URI url : settings.peerUrls()) {
        RestClient node = new RestClient(url, settings);
        nodes.put(node.cluster().path("peer_id").asLong(), node);
      }
    }
    return new Topology(true, peers, nodes, main);
  }

  /** Whether the server runs as a cluster (then collections are backed up shard by shard). */
  boolean distributed() {
    return distributed;
  }

  /** The number of peers of the cluster; 1 for a single node. */
  int peerCount() {
    return distributed ? peers.size() : 1;
  }

  /** Peers of the cluster the plugin has no URL for. */
  List<Long> unknownPeers() {
    return peers.stream().filter(p -> !nodes.containsKey(p)).toList();
  }

  /** The node to send calls for {@code peer} to: its own URL, or {@code url} on a single node. */
  Optional<RestClient> node(long peer) {
    return distributed ? Optional.ofNullable(nodes.get(peer)) : Optional.of(main);
  }

  /** Every shard of the collection and its replicas, from the cluster info {@code url} answers. */
  Map<Integer, List<Replica>> placement(String collection) throws IOException {
    JsonNode info = main.collectionCluster(collection);
    Map<Integer, List<Replica>> out = new TreeMap<>();
    long self = info.path("peer_id").asLong();
    for (JsonNode s : info.path("local_shards")) {
      out.computeIfAbsent(s.path("shard_id").asInt(), k -> new ArrayList<>()).add(new Replica(self, s.path("state").asText()));
    }
    for (JsonNode s : info.path("remote_shards")) {
      out.computeIfAbsent(s.path("shard_id").asInt(), k -> new ArrayList<>())
          .add(new Replica(s.path("peer_id").asLong(), s.path("state").asText()));
    }
    return out;
  }

  /** An active replica of the shard on a node the plugin can reach, else {@code QDRANT_PEER_MISSING}. */
  Replica source(String collection, int shard, List<Replica> replicas) {
    return replicas.stream().filter(r -> r.active() && node(r.peer()).isPresent()).findFirst()
        .orElseThrow(() -> peerMissing("shard " + shard + " of '" + collection + "' has no active replica on a node the "
            + "plugin can reach (replicas " + replicas + ", reachable peers " + nodes.keySet() + ")"));
  }

  /** The point count of a shard on the node holding it (Qdrant's estimate; exact while the collection is idle). */
  static long shardPoints(RestClient node, String collection, int shard) throws IOException {
    for (JsonNode s : node.collectionCluster(collection).path("local_shards")) {
      if (s.path("shard_id").asInt() == shard) {
        return s.path("points_count").asLong();
      }
    }
    throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "shard " + shard + " of '" + collection
        + "' is not on the node at " + node.url(), Map.of("collection", collection));
  }

  /** Waits until every replica of every shard is active and no shard transfer runs. */
  void awaitActive(String collection, QdrantSettings settings) throws IOException {
    Instant deadline = Instant.now().plus(settings.snapshotTimeout());
    while (true) {
      JsonNode info = main.collectionCluster(collection);
      boolean settled = info.path("shard_transfers").isEmpty();
      for (String side : List.of("local_shards", "remote_shards")) {
        for (JsonNode s : info.path(side)) {
          settled &= "Active".equals(s.path("state").asText());
        }
      }
      if (settled) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "the replicas of '" + collection
            + "' did not become active within " + settings.snapshotTimeout() + ": " + info,
            Map.of("collection", collection));
      }
      sleep(settings);
    }
  }

  /** Waits until the collection's optimizers are idle ({@code green}), so that shard point counts are exact. */
  void awaitIdle(String collection, QdrantSettings settings) throws IOException {
    Instant deadline = Instant.now().plus(settings.snapshotTimeout());
    while (!"green".equals(main.collectionInfo(collection).path("status").asText())) {
      if (Instant.now().isAfter(deadline)) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "collection '" + collection
            + "' was still optimizing after " + settings.snapshotTimeout(), Map.of("collection", collection));
      }
      sleep(settings);
    }
  }

  static MaintenanceException peerMissing(String message) {
    return new MaintenanceException(ErrorCode.CONFIG_INVALID, message + "; list every node's REST URL in peer-urls",
        Map.of("reason", QdrantErrors.PEER_MISSING));
  }

  private static void sleep(QdrantSettings settings) throws InterruptedIOException {
    try {
      Thread.sleep(settings.pollInterval().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for Qdrant");
    }
  }
}
