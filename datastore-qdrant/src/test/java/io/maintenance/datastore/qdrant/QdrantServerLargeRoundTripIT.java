package io.maintenance.datastore.qdrant;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ResourceDiff;
import io.maintenance.tck.DatastoreHarness;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proof on the real single node: a collection of 100,000 points with named dense and sparse
 * vectors, nested payloads, payload indexes, quantization and an alias is backed up, wrecked (points
 * deleted, payloads changed, alias dropped, then the collection dropped), previewed and restored, and
 * every point id, vector and payload read back through Qdrant's own scroll equals what it was.
 */
class QdrantServerLargeRoundTripIT {
  private static final String C = "library";
  private static final int POINTS = 100_000;
  private static QdrantFixture fixture;

  @BeforeAll
  static void connect() {
    fixture = QdrantServers.single().fixture();
  }

  @AfterAll
  static void disconnect() {
    fixture.close();
  }

  @Test
  void oneHundredThousandPointsComeBackExactlyAfterAWreckAndAfterTheCollectionIsDropped() throws Exception {
    QdrantHttp http = fixture.http;
    RichCollection.create(http, C, 1, 1);
    RichCollection.upsert(http, C, 0, POINTS);
    Map<String, String> points = http.points(C);
    String config = http.config(C);
    assertThat(points).hasSize(POINTS);
    try (QdrantDatastore d = fixture.datastore("vectors").include(C).build()) {
      DatastoreHarness h = new DatastoreHarness(d);
      DatastoreManifest m = h.backup();

      RichCollection.wreck(http, C, 1000);
      assertThat(d.fingerprint(Set.of(C)).value()).isNotEqualTo(m.sourceFingerprint());
      DatastorePlan plan = h.plan(m);

      ResourceDiff diff = plan.resources().get(0);
      assertThat(diff.change()).isEqualTo(ChangeKind.REPLACE);
      assertThat(diff.counts().get(0).before()).isEqualTo(POINTS - 1000);
      assertThat(diff.counts().get(0).after()).isEqualTo(POINTS);
      assertThat(diff.schemaChanges()).containsExactly("alias '" + C + "-live' will be created");
      h.restore(m, plan);

      assertThat(http.points(C)).isEqualTo(points);
      assertThat(http.config(C)).isEqualTo(config);

      http.call("DELETE", "collections/" + C, null);
      DatastorePlan recreate = h.plan(m);
      assertThat(recreate.resources().get(0).change()).isEqualTo(ChangeKind.CREATE);
      h.restore(m, recreate);

      assertThat(http.points(C)).isEqualTo(points);
      assertThat(http.config(C)).isEqualTo(config);
      assertThat(d.fingerprint(Set.of(C)).value()).isEqualTo(m.sourceFingerprint());
    }
  }
}
