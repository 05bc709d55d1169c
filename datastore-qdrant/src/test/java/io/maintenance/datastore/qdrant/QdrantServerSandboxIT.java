package io.maintenance.datastore.qdrant;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.tck.DatastoreHarness;
import io.qdrant.client.grpc.Collections.AliasDescription;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.VectorParams;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Qdrant datastore as the sandbox of a restore drill, on real servers: a backup of the single node
 * restored into a second single-node Qdrant equals the source point by point
 * (Qdrant's own scroll), and {@code discard} removes the collections and their aliases and nothing else.
 */
class QdrantServerSandboxIT {
  private static final Set<String> COLLECTIONS = Set.of(QdrantFixture.DOCS, QdrantFixture.IMAGES);
  private static final Predicate<String> RESTORED = COLLECTIONS::contains;
  private static QdrantFixture live;
  private static QdrantFixture sandbox;

  @BeforeAll
  static void connect() {
    live = QdrantServers.single().fixture();
    sandbox = QdrantServers.sandbox().fixture();
  }

  @AfterAll
  static void disconnect() throws Exception {
    clear(sandbox);
    live.close();
    sandbox.close();
  }

  private static void clear(QdrantFixture f) throws Exception {
    for (AliasDescription a : f.client.listAliasesAsync().get()) {
      f.client.deleteAliasAsync(a.getAliasName()).get();
    }
    for (String c : f.client.listCollectionsAsync().get()) {
      f.client.deleteCollectionAsync(c).get();
    }
  }

  /** What the sandbox holds besides a drill's collections: a collection with a point and an alias. */
  private static String seedUnrelated() throws Exception {
    clear(sandbox);
    sandbox.client.createCollectionAsync("unrelated", VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot).build()).get();
    sandbox.client.upsertAsync("unrelated", List.of(io.qdrant.client.grpc.Points.PointStruct.newBuilder()
        .setId(io.qdrant.client.PointIdFactory.id(7)).setVectors(io.qdrant.client.VectorsFactory.vectors(1f, 2f))
        .putPayload("keep", io.qdrant.client.ValueFactory.value(true)).build())).get();
    sandbox.client.createAliasAsync("unrelated-alias", "unrelated").get();
    return sandbox.liveData();
  }

  @Test
  void aBackupRestoredIntoTheSandboxEqualsTheSourcePointByPointAndDiscardLeavesOnlyWhatWasThere() throws Exception {
    live.seed();
    String before = seedUnrelated();
    DatastoreHarness backups;
    DatastoreManifest manifest;
    try (QdrantDatastore source = live.datastore("vectors").build()) {
      backups = new DatastoreHarness(source);
      manifest = backups.backup();
    }
    assertThat(manifest.resources()).extracting(ResourceSummary::name).containsExactlyInAnyOrderElementsOf(COLLECTIONS);
    String source = live.liveData(RESTORED);
    assertThat(source).contains("alias docs-current -> docs").contains("point " + QdrantFixture.UUID_A);

    try (QdrantDatastore sb = sandbox.datastore("vectors").build()) {
      assertThat(sb.supportsDiscard()).isTrue();
      for (int drill = 1; drill <= 2; drill++) {
        // The same sandbox serves every drill: each finds it empty of the backup's collections.
        DatastoreHarness h = new DatastoreHarness(sb, backups.storage());
        DatastorePlan plan = h.plan(manifest);
        assertThat(plan.resources()).extracting(ResourceDiff::change).containsOnly(ChangeKind.CREATE);
        RestoreOutcome outcome = h.restore(manifest, plan);
        assertThat(counts(outcome.resources())).isEqualTo(counts(manifest.resources()));
        assertThat(outcome.warnings()).as("nothing (an uploaded snapshot) left behind on the sandbox").isEmpty();
        assertThat(sandbox.liveData(RESTORED)).as("drill " + drill).isEqualTo(source);

        sb.discard(COLLECTIONS);
        assertThat(sandbox.liveData()).as("drill " + drill).isEqualTo(before);
        assertThat(sandbox.http.send("GET", "/collections/docs", null).status()).isEqualTo(404);
        sb.discard(COLLECTIONS); // absent collections are skipped
        assertThat(sandbox.liveData()).isEqualTo(before);
      }
    }
  }

  @Test
  void discardLeavesANameThatIsOnlyAnAliasAndEveryOtherCollectionAlone() throws Exception {
    seedUnrelated();
    // An alias named like a collection of the backup is not that collection.
    sandbox.client.createAliasAsync(QdrantFixture.DOCS, "unrelated").get();
    String before = sandbox.liveData();
    try (QdrantDatastore sb = sandbox.datastore("vectors").build()) {
      sb.discard(Set.of("unrelated-alias", QdrantFixture.DOCS, "absent"));
    }
    assertThat(sandbox.liveData()).isEqualTo(before);
  }

  private static Map<String, Map<String, Long>> counts(List<ResourceSummary> resources) {
    return resources.stream().collect(Collectors.toMap(ResourceSummary::name, r -> new TreeMap<>(r.counts())));
  }
}
