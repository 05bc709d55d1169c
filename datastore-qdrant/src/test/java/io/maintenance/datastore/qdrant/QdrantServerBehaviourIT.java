package io.maintenance.datastore.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.qdrant.DriftCheck;
import io.maintenance.datastore.qdrant.internal.AliasChange;
import io.maintenance.datastore.qdrant.internal.GrpcGateway;
import io.maintenance.datastore.qdrant.internal.QdrantHttpException;
import io.maintenance.datastore.qdrant.internal.QdrantSettings;
import io.maintenance.datastore.qdrant.internal.RestClient;
import io.maintenance.datastore.qdrant.internal.SnapshotScope;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.support.Digests;
import io.maintenance.tck.DatastoreHarness;
import io.qdrant.client.grpc.Collections.AliasOperations;
import io.qdrant.client.grpc.Collections.CreateAlias;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the real Qdrant 1.18 does that the plugin has to work around, shown on the server itself, and the
 * plugin working around it: a node with S3 snapshot storage (snapshots listed without checksums) and URL
 * recovery disabled (403), alias updates applied one by one, recovery over an existing collection.
 */
class QdrantServerBehaviourIT {
  private static QdrantFixture single;
  private static QdrantFixture s3;

  @BeforeAll
  static void connect() {
    single = QdrantServers.single().fixture();
    s3 = QdrantServers.s3().fixture();
  }

  @AfterAll
  static void disconnect() {
    single.close();
    s3.close();
  }

  @Test
  void withS3SnapshotStorageQdrantListsNoChecksumAndTheBackupChecksTheSizeAndHashesItself() throws Exception {
    s3.seed();
    String original = s3.liveData();
    List<String> snapshots = s3.http.snapshots("docs");
    try (QdrantDatastore d = s3.datastore("s3").checksumWait(Duration.ofSeconds(1)).build()) {
      DatastoreHarness h = new DatastoreHarness(d);

      DatastoreManifest m = h.backup();

      JsonNode snapshot = QdrantScenarios.JSON.readTree(Artifacts.bytes(h, m, "docs.qdrant.json")).path("snapshots").path(0);
      assertThat(snapshot.path("checksumBy").asText()).isEqualTo("plugin");
      assertThat(snapshot.path("sha256").asText()).isEqualTo(Digests.sha256Hex(Artifacts.bytes(h, m, "docs.snapshot")));
      assertThat(s3.http.snapshots("docs")).as("the server-side snapshot is deleted from S3 too").isEqualTo(snapshots);
      s3.mutate();
      h.restore(m, h.plan(m));
    }
    assertThat(s3.liveData()).isEqualTo(original);
  }

  @Test
  void whenUrlRecoveryIsDisabledQdrantAnswers403AndTheRestoreUploadsInstead() throws Exception {
    s3.seed();
    String original = s3.liveData();
    try (QdrantDatastore d = s3.datastore("s3").checksumWait(Duration.ofSeconds(1)).build()) {
      DatastoreHarness h = new DatastoreHarness(d);
      DatastoreManifest m = h.backup();
      s3.mutate();
      DatastorePlan plan = h.plan(m);

      try (PresigningStorage storage = new PresigningStorage(h.artifacts(m), null)) {
        QdrantHttp.Response refused = s3.http.send("PUT", "collections/docs/snapshots/recover",
            Map.of("location", storage.presign("docs.snapshot", Duration.ofMinutes(1)).orElseThrow().toString()));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("Forbidden: Snapshot recovery from remote URLs is disabled in the configuration");

        RestoreOutcome outcome = d.restore(Artifacts.context(m, storage, Optional.of(plan)));

        assertThat(outcome.warnings()).anySatisfy(w -> assertThat(w).contains("refuses recovery from URLs"))
            .anySatisfy(w -> assertThat(w).contains("Qdrant does not list the uploaded snapshot 'maintenance-"));
        assertThat(storage.served()).isEmpty();
      }
    }
    assertThat(s3.liveData()).isEqualTo(original);
  }

  @Test
  void qdrantAppliesAliasChangesOneByOneAndThePluginPutsThemBackWhenOneFails() throws Exception {
    single.seed();
    List<AliasOperations> failingSecond = List.of(create("docs-a", "docs"), create("images", "docs"), create("docs-b", "docs"));
    Map<String, String> before = aliases();

    // The server keeps the first operation of a failed update.
    assertThatThrownBy(() -> single.client.updateAliasesAsync(failingSecond).get()).hasMessageContaining("images");
    assertThat(aliases()).containsEntry("docs-a", "docs").doesNotContainKey("docs-b");
    single.client.deleteAliasAsync("docs-a").get();
    assertThat(aliases()).isEqualTo(before);

    try (GrpcGateway grpc = new GrpcGateway(settings(single))) {
      assertThatThrownBy(() -> AliasChange.apply(grpc, "docs", failingSecond, before))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.DATASTORE_FAILURE);
            assertThat(e.getMessage()).contains("the aliases were put back as they were");
          });
    }
    assertThat(aliases()).isEqualTo(before);
  }

  @Test
  void qdrantRecoversOnlyDataIntoAnExistingCollectionAndRefusesOtherVectorParams() throws Exception {
    single.seed();
    try (QdrantDatastore d = single.datastore("raw").build()) {
      DatastoreHarness h = new DatastoreHarness(d);
      DatastoreManifest m = h.backup();
      byte[] snapshot = Artifacts.bytes(h, m, "docs.snapshot");
      RestClient rest = new RestClient(single.restUrl, settings(single));
      single.http.call("PATCH", "collections/docs", QdrantScenarios.JSON.readTree("{\"hnsw_config\":{\"m\":48}}"));

      rest.upload(SnapshotScope.collection("docs"), "raw-1.snapshot", new ByteArrayInputStream(snapshot), snapshot.length,
          Digests.sha256Hex(snapshot));

      assertThat(single.http.call("GET", "collections/docs", null).path("config").path("hnsw_config").path("m").asInt())
          .as("the snapshot's HNSW config is not taken").isEqualTo(48);
      // An upload's checksum refusal names the uploaded bytes' hash "expected" and the parameter "actual".
      assertThatThrownBy(() -> rest.upload(SnapshotScope.collection("docs"), "raw-0.snapshot", new ByteArrayInputStream(snapshot),
          snapshot.length, "0".repeat(64)))
          .isInstanceOfSatisfying(QdrantHttpException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.serverMessage()).isEqualTo("Checksum mismatch: expected " + Digests.sha256Hex(snapshot) + ", actual "
                + "0".repeat(64));
          });
      single.client.deleteCollectionAsync("docs").get();
      single.http.call("PUT", "collections/docs", QdrantScenarios.JSON.readTree("{\"vectors\":{\"size\":8,\"distance\":\"Dot\"}}"));
      assertThatThrownBy(() -> rest.upload(SnapshotScope.collection("docs"), "raw-2.snapshot", new ByteArrayInputStream(snapshot),
          snapshot.length, Digests.sha256Hex(snapshot)))
          .isInstanceOfSatisfying(QdrantHttpException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.serverMessage()).startsWith("Wrong input: Snapshot is not compatible with existing collection");
          });
      assertThat(single.http.snapshots("docs")).as("Qdrant keeps uploaded snapshots").contains("raw-1.snapshot", "raw-2.snapshot");
      single.http.call("DELETE", "collections/docs/snapshots/raw-1.snapshot", null);
      single.http.call("DELETE", "collections/docs/snapshots/raw-2.snapshot", null);
    }
  }

  @Test
  void thePointsDigestPagesLargeVectorsBelowGrpcsMessageLimitAndSeesAVectorOnlyEdit() throws Exception {
    single.seed();
    int dim = 4096;
    single.http.call("PUT", "collections/wide", QdrantScenarios.JSON.readTree(
        "{\"vectors\": {\"size\": " + dim + ", \"distance\": \"Dot\"}}"));
    // 600 points of 16 KiB: a page of the default size would be far beyond gRPC's 4 MiB.
    for (int from = 0; from < 600; from += 100) {
      List<io.qdrant.client.grpc.Points.PointStruct> points = new java.util.ArrayList<>();
      for (int i = from; i < from + 100; i++) {
        float[] v = new float[dim];
        v[i % dim] = i;
        points.add(io.qdrant.client.grpc.Points.PointStruct.newBuilder().setId(io.qdrant.client.PointIdFactory.id(i))
            .setVectors(io.qdrant.client.VectorsFactory.vectors(v)).build());
      }
      single.client.upsertAsync("wide", points).get();
    }
    try (QdrantDatastore d = single.datastore("wide").include("wide").driftCheck(DriftCheck.POINTS).build()) {
      String before = d.fingerprint(java.util.Set.of("wide")).value();
      float[] v = new float[dim];
      v[7] = 7.5f;
      single.client.updateVectorsAsync("wide", List.of(io.qdrant.client.grpc.Points.PointVectors.newBuilder()
          .setId(io.qdrant.client.PointIdFactory.id(7)).setVectors(io.qdrant.client.VectorsFactory.vectors(v)).build())).get();

      assertThat(d.fingerprint(java.util.Set.of("wide")).value()).isNotEqualTo(before);
    }
  }

  private static Map<String, String> aliases() throws Exception {
    Map<String, String> out = new java.util.TreeMap<>();
    single.client.listAliasesAsync().get().forEach(a -> out.put(a.getAliasName(), a.getCollectionName()));
    return out;
  }

  private static AliasOperations create(String alias, String collection) {
    return AliasOperations.newBuilder().setCreateAlias(CreateAlias.newBuilder().setAliasName(alias).setCollectionName(collection))
        .build();
  }

  static QdrantSettings settings(QdrantFixture f) {
    Duration t = Duration.ofSeconds(30);
    return new QdrantSettings(f.restUrl, f.grpcHost, f.grpcPort, false, Optional.ofNullable(f.apiKey), List.of("*"), List.of(),
        List.of(), DriftCheck.PAYLOADS, t, t, t, t, Duration.ofMillis(50), Duration.ofSeconds(1), t, false);
  }
}
