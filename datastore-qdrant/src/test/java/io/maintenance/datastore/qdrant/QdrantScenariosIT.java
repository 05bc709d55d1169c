package io.maintenance.datastore.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeStatus;
import io.maintenance.datastore.qdrant.testing.FakeQdrant;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.tck.DatastoreHarness;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scenarios against the in-JVM double, plus those that need its failure and version switches. */
class QdrantScenariosIT extends QdrantScenarios {
  private static FakeQdrant server;
  private static QdrantFixture fixture;

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeQdrant.start(Files.createTempDirectory("fake-qdrant"), "scenario-key", "1.15.0");
    fixture = new QdrantFixture(server.restUrl(), "127.0.0.1", server.grpcPort(), server.apiKey());
  }

  @AfterAll
  static void stopServer() {
    fixture.close();
    server.close();
  }

  @AfterEach
  void resetSwitches() {
    server.version("1.15.0");
    server.snapshotDelay(Duration.ZERO);
    server.checksumDelay(Duration.ZERO);
    server.s3SnapshotStorage(false);
    server.urlRecovery(true);
    server.failAliasOperationAfter(-1);
  }

  @Override
  protected QdrantFixture fixture() {
    return fixture;
  }

  private int recoveriesAtStart;
  private int requestsAtStart;

  @org.junit.jupiter.api.BeforeEach
  void markServerCounters() {
    recoveriesAtStart = server.recoveries();
    requestsAtStart = server.requestLog().size();
  }

  /** REST requests the server received during this test. */
  private List<String> requests() {
    List<String> all = server.requestLog();
    return all.subList(requestsAtStart, all.size());
  }

  @Override
  protected void assertNothingUploaded() {
    assertThat(server.recoveries()).isEqualTo(recoveriesAtStart);
    assertThat(requests()).noneMatch(r -> r.contains("/snapshots/upload") || r.contains("/snapshots/recover"));
  }

  @Test
  void backupStartsSnapshotsWithoutWaitingAndPollsUntilTheyAreListed() throws Exception {
    server.snapshotDelay(Duration.ofMillis(400));
    String original = fixture.liveData();

    DatastoreManifest m = harness.backup();

    assertThat(requests()).contains("POST /collections/docs/snapshots?wait=false", "POST /collections/images/snapshots?wait=false");
    fixture.mutate();
    harness.restore(m, harness.plan(m));
    assertThat(fixture.liveData()).isEqualTo(original);
  }

  @Test
  void uploadAlwaysSendsPrioritySnapshotAndTheRecordedChecksum() throws Exception {
    DatastoreManifest m = harness.backup();
    String sha = m.artifacts().get(0).sha256();

    harness.restore(m, harness.plan(m));

    assertThat(requests()).contains("POST /collections/docs/snapshots/upload?wait=true&priority=snapshot&checksum=" + sha);
  }

  @Test
  void qdrantErrorMidUploadLeavesTheRequestFailedWithTheServersMessageAndReportsTheCollection() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture.mutate();
    String mutated = fixture.liveData();
    DatastorePlan plan = harness.plan(m);
    server.failNextRecovery("No space left on device (os error 28)");

    assertThatThrownBy(() -> harness.restore(m, plan)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.DATASTORE_FAILURE);
      assertThat(e.getMessage()).contains("No space left on device (os error 28)")
          .contains("Collection 'docs' is now present with 6 points");
      assertThat(e.details()).containsEntry("httpStatus", "500").containsEntry("collectionState",
          e.details().get("collectionState")).containsEntry("notAttempted", "images").containsEntry("restored", "");
    });
    assertThat(fixture.liveData()).isEqualTo(mutated);
  }

  @Test
  void versionGateUsesTheReleaseRecordedAtBackupAndAllowsTheNextMinorRelease() throws Exception {
    server.version("1.13.4");
    DatastoreManifest old = harness.backup();
    server.version("1.15.0");
    assertThatThrownBy(() -> harness.plan(old)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
      assertThat(e.details()).containsEntry("snapshotVersion", "1.13.4").containsEntry("targetVersion", "1.15.0");
    });

    server.version("1.14.1");
    DatastorePlan plan = harness.plan(old);
    assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("backed up from Qdrant 1.13.4"));
    RestoreOutcome outcome = harness.restore(old, plan);
    assertThat(server.recoveries()).isEqualTo(recoveriesAtStart + 2);
    assertThat(outcome.warnings()).anySatisfy(w -> assertThat(w).contains("backed up from Qdrant 1.13.4 and was restored into 1.14.1"));
  }

  @Test
  void probeReportsServersOlderThanTheSupportedReleaseAsUnsupported() {
    server.version("1.7.4");

    assertThat(datastore.probe().code()).isEqualTo(QdrantDatastore.QDRANT_VERSION_UNSUPPORTED);
    assertThat(datastore.probe().status()).isEqualTo(ProbeStatus.DOWN);
    server.version("1.15.0");
    assertThat(datastore.probe().attributes()).containsEntry("version", "1.15.0").containsEntry("collections", "2");
  }

  @Test
  void backupWaitsForTheChecksumQdrantWritesAfterTheSnapshotIsListed() throws Exception {
    server.checksumDelay(Duration.ofMillis(400));

    DatastoreManifest m = harness.backup();

    JsonNode snapshot = record(m, "docs").path("snapshots").path(0);
    assertThat(snapshot.path("checksumBy").asText()).isEqualTo("qdrant");
  }

  @Test
  void withoutChecksumsInTheListingTheBackupChecksSizesAndHashesItself() throws Exception {
    server.s3SnapshotStorage(true);
    String original = fixture.liveData();

    DatastoreManifest m;
    try (QdrantDatastore d = fixture.datastore("s3").checksumWait(Duration.ofMillis(200)).build()) {
      DatastoreHarness h = new DatastoreHarness(d, harness.storage());
      m = h.backup();
    }

    assertThat(record(m, "docs").path("snapshots").path(0).path("checksumBy").asText()).isEqualTo("plugin");
    fixture.mutate();
    harness.restore(m, harness.plan(m));
    assertThat(fixture.liveData()).isEqualTo(original);
  }

  @Test
  void aForbiddenUrlRecoveryFallsBackToUploadAndIsNotReadAsABadKey() throws Exception {
    server.urlRecovery(false);
    String original = fixture.liveData();
    DatastoreManifest m = harness.backup();
    fixture.mutate();
    DatastorePlan plan = harness.plan(m);

    try (PresigningStorage storage = new PresigningStorage(harness.artifacts(m), null)) {
      RestoreOutcome outcome = datastore.restore(Artifacts.context(m, storage, Optional.of(plan)));

      assertThat(outcome.warnings()).anySatisfy(w -> assertThat(w).contains("refuses recovery from URLs"));
    }
    assertThat(requests()).contains("PUT /collections/docs/snapshots/recover?wait=true")
        .anyMatch(r -> r.startsWith("POST /collections/docs/snapshots/upload"));
    assertThat(fixture.liveData()).isEqualTo(original);
  }

  @Test
  void anAliasUpdateThatFailsMidwayIsPutBackAndTheRestoreFails() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture.client.deleteAliasAsync("docs-current").get();
    fixture.client.createAliasAsync("docs-old", "docs").get();
    DatastorePlan plan = harness.plan(m);
    Map<String, String> aliasesBefore = server.aliases();
    // The restore of 'docs' drops 'docs-old' and creates 'docs-current'; the second operation fails.
    server.failAliasOperationAfter(1);

    assertThatThrownBy(() -> harness.restore(m, plan)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.DATASTORE_FAILURE);
      assertThat(e.getMessage()).contains("injected alias failure").contains("the aliases were put back as they were");
      assertThat(e.details()).containsEntry("collection", "docs");
    });
    assertThat(server.aliases()).isEqualTo(aliasesBefore);
  }
}
