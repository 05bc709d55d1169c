package io.maintenance.datastore.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.tck.DatastoreHarness;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Distributed collections on the real three-node cluster of {@code scripts/services/qdrant.sh}: every
 * shard is snapshotted on a node that holds it, restored into the same cluster and into a fresh two-node
 * cluster, and what cannot be restored is refused at preview.
 */
class QdrantServerClusterIT {
  private static final String C = "library";
  private static final int POINTS = 3000;
  private static List<QdrantServers.Node> cluster;
  private static List<QdrantServers.Node> fresh;
  private static QdrantHttp http;
  private static QdrantHttp freshHttp;
  private static QdrantFixture fixture;
  private static QdrantFixture freshFixture;

  @BeforeAll
  static void connect() {
    cluster = QdrantServers.cluster();
    fresh = QdrantServers.freshCluster();
    fixture = cluster.get(0).fixture();
    freshFixture = fresh.get(0).fixture();
    http = fixture.http;
    freshHttp = freshFixture.http;
  }

  @AfterAll
  static void disconnect() {
    fixture.close();
    freshFixture.close();
  }

  private static QdrantDatastore.Builder datastore(QdrantFixture f, List<QdrantServers.Node> peers) {
    return f.datastore("vectors").include(C).peerUrls(peers.stream().map(QdrantServers.Node::url).toArray(URI[]::new));
  }

  private static void seed() throws Exception {
    freshHttp.send("DELETE", "collections/" + C, null);
    RichCollection.create(http, C, 3, 2);
    RichCollection.upsert(http, C, 0, POINTS);
  }

  @Test
  void everyShardIsBackedUpFromANodeThatHoldsItAndRestoredIntoTheSameCluster() throws Exception {
    seed();
    Map<String, String> points = http.points(C);
    String config = http.config(C);
    try (QdrantDatastore d = datastore(fixture, cluster).build()) {
      DatastoreHarness h = new DatastoreHarness(d);

      DatastoreManifest m = h.backup();

      JsonNode record = QdrantScenarios.JSON.readTree(Artifacts.bytes(h, m, C + ".qdrant.json"));
      assertThat(record.path("layout").asText()).isEqualTo("shards");
      assertThat(m.artifacts()).extracting(a -> a.name())
          .containsExactly(C + "~shard-0.snapshot", C + "~shard-1.snapshot", C + "~shard-2.snapshot", C + ".qdrant.json");
      Set<Long> peers = new HashSet<>();
      long shardPoints = 0;
      for (JsonNode s : record.path("snapshots")) {
        peers.add(s.path("peer").asLong());
        shardPoints += s.path("points").asLong();
        assertThat(s.path("checksumBy").asText()).isEqualTo("qdrant");
      }
      assertThat(peers).as("shards come from the nodes holding them").hasSizeGreaterThan(1);
      if (record.path("shardPointsIdle").asBoolean()) {
        assertThat(shardPoints).isEqualTo(POINTS);
      }

      RichCollection.wreck(http, C, 100);
      DatastorePlan plan = h.plan(m);

      ResourceDiff diff = plan.resources().get(0);
      assertThat(diff.change()).isEqualTo(ChangeKind.REPLACE);
      assertThat(diff.counts().get(0).before()).isEqualTo(POINTS - 100);
      assertThat(diff.counts().get(0).after()).isEqualTo(POINTS);
      assertThat(diff.itemsLost()).isZero();
      assertThat(diff.schemaChanges()).contains("alias '" + C + "-live' will be created");
      h.restore(m, plan);

      assertThat(http.points(C)).isEqualTo(points);
      assertThat(http.config(C)).isEqualTo(config);
      assertThat(fixture.client.listAliasesAsync().get()).anySatisfy(a -> assertThat(a.getAliasName()).isEqualTo(C + "-live"));

      http.call("DELETE", "collections/" + C, null);
      DatastorePlan recreate = h.plan(m);
      assertThat(recreate.resources().get(0).change()).isEqualTo(ChangeKind.CREATE);
      assertThat(recreate.resources().get(0).schemaChanges().get(0)).startsWith("collection will be created with 3 shards");
      h.restore(m, recreate);

      assertThat(http.points(C)).isEqualTo(points);
      assertThat(http.config(C)).isEqualTo(config);
    }
  }

  @Test
  void aBackupRestoresIntoAFreshClusterWithTheSameNumberOfShards() throws Exception {
    seed();
    Map<String, String> points = http.points(C);
    String config = http.config(C);
    try (QdrantDatastore source = datastore(fixture, cluster).build();
        QdrantDatastore target = datastore(freshFixture, fresh).build()) {
      DatastoreHarness backups = new DatastoreHarness(source);
      DatastoreManifest m = backups.backup();
      DatastoreHarness h = new DatastoreHarness(target, backups.storage());

      DatastorePlan plan = h.plan(m);
      assertThat(plan.resources().get(0).change()).isEqualTo(ChangeKind.CREATE);
      h.restore(m, plan);

      assertThat(freshHttp.points(C)).isEqualTo(points);
      assertThat(freshHttp.config(C)).isEqualTo(config);
    }
  }

  @Test
  void aFailedRestoreOfACollectionThatDidNotExistLeavesItAbsent() throws Exception {
    seed();
    try (QdrantDatastore source = datastore(fixture, cluster).build();
        QdrantDatastore target = datastore(freshFixture, fresh).build()) {
      DatastoreHarness backups = new DatastoreHarness(source);
      DatastoreManifest m = backups.backup();
      // Shard 1's snapshot replaced by a well-formed archive without data: it passes the dry run, and the
      // restore fails after the collection was created.
      byte[] empty = QdrantScenarios.tar(Map.of("shard_config.json", "{\"type\":\"Local\"}"));
      com.fasterxml.jackson.databind.node.ObjectNode record =
          (com.fasterxml.jackson.databind.node.ObjectNode) QdrantScenarios.JSON.readTree(Artifacts.bytes(backups, m, C + ".qdrant.json"));
      com.fasterxml.jackson.databind.node.ObjectNode shard1 = (com.fasterxml.jackson.databind.node.ObjectNode) record.path("snapshots").path(1);
      shard1.put("sha256", io.maintenance.spi.support.Digests.sha256Hex(empty)).put("size", empty.length);
      DatastoreManifest broken = Artifacts.replace(backups, Artifacts.replace(backups, m, C + "~shard-1.snapshot", empty),
          C + ".qdrant.json", QdrantScenarios.JSON.writeValueAsBytes(record));
      DatastoreHarness h = new DatastoreHarness(target, backups.storage());
      DatastorePlan plan = h.plan(broken);
      assertThat(plan.resources().get(0).change()).isEqualTo(ChangeKind.CREATE);

      assertThatThrownBy(() -> h.restore(broken, plan)).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.details()).containsEntry("collectionState", "absent"));
      assertThat(freshFixture.client.listCollectionsAsync().get()).doesNotContain(C);
    }
  }

  @Test
  void whatCannotBeRestoredIsRefusedAtPreview() throws Exception {
    seed();
    try (QdrantDatastore source = datastore(fixture, cluster).build();
        QdrantDatastore twoOfThree = datastore(fixture, cluster.subList(0, 2)).build();
        QdrantDatastore oneOfTwo = datastore(freshFixture, fresh.subList(0, 1)).build();
        QdrantDatastore freshTarget = datastore(freshFixture, fresh).build()) {
      DatastoreHarness backups = new DatastoreHarness(source);
      DatastoreManifest m = backups.backup();

      // A peer the plugin cannot reach holds shards: backing up from two of three nodes cannot be complete.
      http.call("PATCH", "collections/" + C, QdrantScenarios.JSON.readTree("{\"params\": {\"replication_factor\": 1}}"));
      assertThat(unreachableShardsAfterDroppingReplicas()).isTrue();
      assertRefused(() -> new DatastoreHarness(twoOfThree).backup(), ErrorCode.CONFIG_INVALID, "QDRANT_PEER_MISSING");

      // The collection would be created across a peer the plugin has no URL for.
      assertRefused(() -> new DatastoreHarness(oneOfTwo, backups.storage()).plan(m), ErrorCode.CONFIG_INVALID,
          "QDRANT_PEER_MISSING");

      // Another shard number: Qdrant cannot recover three shard snapshots into two shards.
      freshHttp.call("PUT", "collections/" + C + "?wait=true", QdrantScenarios.JSON.readTree(
          "{\"vectors\": {\"text\": {\"size\": 8, \"distance\": \"Cosine\"}, \"image\": {\"size\": 4, \"distance\": \"Dot\", "
              + "\"on_disk\": true}}, \"sparse_vectors\": {\"keywords\": {\"modifier\": \"idf\"}}, \"shard_number\": 2}"));
      assertRefused(() -> new DatastoreHarness(freshTarget, backups.storage()).plan(m), ErrorCode.INCOMPATIBLE_ARTIFACT,
          "CONFIG_INCOMPATIBLE").hasMessageContaining("shard number 2 (the backup has 3)");
      assertThat(freshHttp.points(C)).isEmpty();
    }
  }

  @Test
  void aSingleNodesCollectionSnapshotIsRefusedByACluster() throws Exception {
    QdrantFixture single = QdrantServers.single().fixture();
    try (single; QdrantDatastore one = single.datastore("vectors").include(QdrantFixture.DOCS).build();
        QdrantDatastore inCluster = fixture.datastore("vectors").include(QdrantFixture.DOCS).build()) {
      single.seed();
      DatastoreHarness backups = new DatastoreHarness(one);
      DatastoreManifest m = backups.backup();

      assertRefused(() -> new DatastoreHarness(inCluster, backups.storage()).plan(m), ErrorCode.INCOMPATIBLE_ARTIFACT,
          "SNAPSHOT_NEEDS_SINGLE_NODE");
    }
  }

  private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertRefused(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorCode code, String reason) {
    return assertThatThrownBy(call).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(code);
      assertThat(e.details()).containsEntry("reason", reason);
    });
  }

  /**
   * Leaves the shards of the third node on that node alone: drops their replicas on the other nodes and
   * waits until the cluster shows them gone. Returns whether there was such a shard.
   */
  private static boolean unreachableShardsAfterDroppingReplicas() throws Exception {
    JsonNode third = new QdrantHttp(cluster.get(2).url(), QdrantServers.apiKey()).call("GET", "collections/" + C + "/cluster", null);
    long thirdPeer = third.path("peer_id").asLong();
    Set<Integer> shards = new HashSet<>();
    third.path("local_shards").forEach(s -> shards.add(s.path("shard_id").asInt()));
    for (JsonNode replica : third.path("remote_shards")) {
      if (shards.contains(replica.path("shard_id").asInt())) {
        http.call("POST", "collections/" + C + "/cluster", QdrantScenarios.JSON.readTree("{\"drop_replica\": {\"shard_id\": "
            + replica.path("shard_id").asInt() + ", \"peer_id\": " + replica.path("peer_id").asLong() + "}}"));
      }
    }
    for (int i = 0; i < 100; i++) {
      JsonNode now = http.call("GET", "collections/" + C + "/cluster", null);
      boolean onlyThird = true;
      for (JsonNode s : now.path("local_shards")) {
        onlyThird &= !shards.contains(s.path("shard_id").asInt());
      }
      for (JsonNode s : now.path("remote_shards")) {
        onlyThird &= !shards.contains(s.path("shard_id").asInt()) || s.path("peer_id").asLong() == thirdPeer;
      }
      if (onlyThird) {
        return !shards.isEmpty();
      }
      Thread.sleep(100);
    }
    return false;
  }
}
