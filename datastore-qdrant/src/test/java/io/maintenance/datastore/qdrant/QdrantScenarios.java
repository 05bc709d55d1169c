package io.maintenance.datastore.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.tck.DatastoreHarness;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the issue asks of the Qdrant plugin beyond the TCK, written against the official client only so
 * that it runs against the in-JVM double and, where Docker exists, a real Qdrant.
 */
abstract class QdrantScenarios {
  static final ObjectMapper JSON = new ObjectMapper();

  protected QdrantDatastore datastore;
  protected DatastoreHarness harness;

  protected abstract QdrantFixture fixture();

  @BeforeEach
  void seedAndConnect() throws Exception {
    fixture().seed();
    datastore = fixture().datastore("vectors").build();
    harness = new DatastoreHarness(datastore);
  }

  @AfterEach
  void closeDatastore() {
    datastore.close();
  }

  @Test
  void backupRecordsEachCollectionWithExactPointsAndQdrantsChecksum() throws Exception {
    DatastoreManifest m = harness.backup();

    assertThat(m.resources()).containsExactly(
        new ResourceSummary("collection", "docs", Map.of("points", 5L)),
        new ResourceSummary("collection", "images", Map.of("points", 3L)));
    assertThat(m.artifacts()).extracting(ArtifactInfo::name)
        .containsExactly("docs.snapshot", "docs.qdrant.json", "images.snapshot", "images.qdrant.json");
    JsonNode docs = record(m, "docs");
    ArtifactInfo snapshot = m.artifacts().get(0);
    assertThat(docs.path("snapshots").path(0).path("sha256").asText()).isEqualTo(snapshot.sha256());
    assertThat(docs.path("snapshots").path(0).path("size").asLong()).isEqualTo(snapshot.size());
    assertThat(docs.path("snapshots").path(0).path("checksumBy").asText()).as("Qdrant reported the checksum").isEqualTo("qdrant");
    assertThat(docs.path("points").asLong()).isEqualTo(5);
    assertThat(docs.path("aliases").toString()).isEqualTo("[\"docs-current\"]");
    assertThat(docs.path("payloadSchema").path("city").asText()).startsWith("Keyword");
    assertThat(docs.path("vectors").path("").asText()).contains("size: 4").contains("Cosine");
    assertThat(docs.path("restInfo").path("config").path("params").path("vectors").path("size").asInt()).isEqualTo(4);
    assertThat(record(m, "images").path("vectors").path("image").asText()).contains("size: 3").contains("Dot");
    assertThat(m.metadata()).containsKey("qdrant.serverVersion");
  }

  @Test
  void backupDeletesTheServerSideSnapshotItMade() throws Exception {
    // Qdrant keeps a collection's snapshot files when the collection is dropped, so compare, not expect none.
    List<String> docs = fixture().http.snapshots("docs");
    List<String> images = fixture().http.snapshots("images");

    harness.backup();

    assertThat(fixture().http.snapshots("docs")).isEqualTo(docs);
    assertThat(fixture().http.snapshots("images")).isEqualTo(images);
  }

  @Test
  void theVersionGateReadsTheReleaseRecordedFromTheServerNotTheSnapshotsFormatVersion() throws Exception {
    DatastoreManifest m = harness.backup();
    String release = datastore.probe().attributes().get("version");

    assertThat(record(m, "docs").path("serverVersion").asText()).isEqualTo(release);
    assertThat(m.metadata()).containsEntry("qdrant.serverVersion", release);
    // version.info inside a collection snapshot is Qdrant's collection format version, not its release.
    assertThat(tarEntry(Artifacts.bytes(harness, m, "docs.snapshot"), "version.info")).isEqualTo("0.4.2");
    fixture().mutate();

    DatastorePlan plan = harness.plan(m);

    assertThat(plan.warnings()).noneMatch(w -> w.contains("backed up from"));
    harness.restore(m, plan);
  }

  @Test
  void aTargetNameThatIsNowAnAliasIsRefusedAtPreviewAndAtConfirmAndItsCollectionIsUntouched() throws Exception {
    DatastoreManifest m = harness.backup();
    DatastorePlan planWhileDocsWasACollection = harness.plan(m);
    fixture().client.deleteCollectionAsync("docs").get();
    fixture().client.createAliasAsync("docs", "images").get();
    String live = fixture().liveData();

    assertThat(datastore.fingerprint(Set.of("docs")).components()).containsEntry("docs", "alias-of:images");
    assertThatThrownBy(() -> harness.plan(m)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
      assertThat(e.details()).containsEntry("reason", "TARGET_IS_ALIAS").containsEntry("collection", "docs");
      assertThat(e.getMessage()).contains("alias of collection 'images'");
    });
    assertThatThrownBy(() -> harness.restore(m, planWhileDocsWasACollection)).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.details()).containsEntry("reason", "TARGET_IS_ALIAS"));
    assertThat(fixture().liveData()).isEqualTo(live);
    assertNothingUploaded();
  }

  @Test
  void restoreOverAnExistingCollectionBringsBackItsConfigAndPayloadIndexes() throws Exception {
    QdrantHttp http = fixture().http;
    String config = http.config("docs");
    String original = fixture().liveData();
    DatastoreManifest m = harness.backup();
    // Qdrant recovers only data into an existing collection; these must come back some other way.
    http.call("PATCH", "collections/docs", JSON.readTree("{\"hnsw_config\":{\"m\":32},\"optimizers_config\":"
        + "{\"indexing_threshold\":5000},\"quantization_config\":{\"scalar\":{\"type\":\"int8\",\"always_ram\":true}}}"));
    http.call("DELETE", "collections/docs/index/city?wait=true", null);
    http.call("PUT", "collections/docs/index?wait=true", JSON.readTree("{\"field_name\":\"stars\",\"field_schema\":\"integer\"}"));
    assertThat(http.config("docs")).isNotEqualTo(config);

    DatastorePlan plan = harness.plan(m);

    ResourceDiff docs = plan.resources().stream().filter(d -> d.name().equals("docs")).findFirst().orElseThrow();
    assertThat(docs.change()).isEqualTo(ChangeKind.REPLACE);
    assertThat(docs.schemaChanges()).anySatisfy(c -> assertThat(c).startsWith("config will be changed: hnsw_config"))
        .anySatisfy(c -> assertThat(c).startsWith("config will be changed: optimizer_config"))
        .anySatisfy(c -> assertThat(c).startsWith("config will be changed: quantization_config"))
        .anySatisfy(c -> assertThat(c).startsWith("payload index 'city' will be created"))
        .anySatisfy(c -> assertThat(c).startsWith("payload index 'stars' will be dropped"));
    harness.restore(m, plan);

    assertThat(http.config("docs")).isEqualTo(config);
    assertThat(fixture().liveData()).isEqualTo(original);
  }

  @Test
  void aLiveCollectionWithOtherVectorParamsIsRefusedAtPreviewAndLeftAlone() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture().client.deleteCollectionAsync("images").get();
    fixture().client.createCollectionAsync("images", io.qdrant.client.grpc.Collections.VectorParams.newBuilder()
        .setSize(8).setDistance(io.qdrant.client.grpc.Collections.Distance.Cosine).build()).get();
    String live = fixture().liveData();

    assertThatThrownBy(() -> harness.plan(m)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
      assertThat(e.details()).containsEntry("reason", "CONFIG_INCOMPATIBLE").containsEntry("collection", "images");
      assertThat(e.getMessage()).contains("dense vectors").contains("Delete the collection");
    });
    assertThat(fixture().liveData()).isEqualTo(live);
  }

  @Test
  void theSnapshotUploadedForARestoreIsDeletedFromTheServerAfterwards() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture().mutate();
    List<String> docs = fixture().http.snapshots("docs");

    harness.restore(m, harness.plan(m));

    assertThat(fixture().http.snapshots("docs")).isEqualTo(docs);
  }

  @Test
  void restoreLetsQdrantFetchTheSnapshotFromAPresignedStorageUrl() throws Exception {
    String original = fixture().liveData();
    DatastoreManifest m = harness.backup();
    fixture().mutate();
    DatastorePlan plan = harness.plan(m);

    try (PresigningStorage storage = presigning(harness.artifacts(m), null)) {
      RestoreOutcome outcome = datastore.restore(Artifacts.context(m, storage, Optional.of(plan)));

      assertThat(outcome.resources()).hasSize(2);
      assertThat(outcome.warnings()).isEmpty();
      assertThat(storage.served()).contains("docs.snapshot", "images.snapshot");
    }
    assertThat(fixture().liveData()).isEqualTo(original);
  }

  @Test
  void aPresignedSnapshotThatFailsQdrantsChecksumIsAnIntegrityMismatchAndChangesNothing() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture().mutate();
    DatastorePlan plan = harness.plan(m);
    String mutated = fixture().liveData();

    // The storage URL serves other bytes than the backup recorded: Qdrant computes their SHA-256 and refuses.
    try (PresigningStorage storage = presigning(harness.artifacts(m), bytes -> bytes[bytes.length / 2] ^= 1)) {
      assertThatThrownBy(() -> datastore.restore(Artifacts.context(m, storage, Optional.of(plan))))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
            assertThat(e.details().get("serverMessage")).contains("Snapshot checksum mismatch");
          });
    }
    assertThat(fixture().liveData()).isEqualTo(mutated);
  }

  @Test
  void includeAndExcludePatternsSelectCollections() throws Exception {
    try (QdrantDatastore onlyDocs = fixture().datastore("d").include("doc*").build();
        QdrantDatastore notDocs = fixture().datastore("n").exclude("docs").build()) {
      assertThat(new DatastoreHarness(onlyDocs).backup().resources()).extracting(ResourceSummary::name).containsExactly("docs");
      assertThat(new DatastoreHarness(notDocs).backup().resources()).extracting(ResourceSummary::name).containsExactly("images");
    }
  }

  @Test
  void tamperedSnapshotFailsThePreviewWithIntegrityMismatchAndIsNeverUploaded() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture().mutate();
    String mutated = fixture().liveData();
    byte[] bytes = Artifacts.bytes(harness, m, "docs.snapshot");
    bytes[bytes.length / 3] ^= 0x01;
    Artifacts.tamper(harness, m, "docs.snapshot", bytes);

    assertThatThrownBy(() -> harness.plan(m))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
    assertThat(fixture().liveData()).isEqualTo(mutated);
    assertNothingUploaded();
  }

  @Test
  void snapshotAlteredAfterThePreviewFailsTheRestoreBeforeAnyCollectionIsReplaced() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture().mutate();
    DatastorePlan plan = harness.plan(m);
    String mutated = fixture().liveData();
    byte[] bytes = Artifacts.bytes(harness, m, "images.snapshot");
    bytes[bytes.length - 2000] ^= 0x10;
    Artifacts.tamper(harness, m, "images.snapshot", bytes);

    assertThatThrownBy(() -> harness.restore(m, plan)).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
    assertThat(fixture().liveData()).as("'docs' comes first and must not have been replaced").isEqualTo(mutated);
    assertNothingUploaded();
  }

  @Test
  void backupOfNoSelectedCollectionIsEmptyAndRestoresNothing() throws Exception {
    try (QdrantDatastore none = fixture().datastore("none").include("no-such-*").build()) {
      DatastoreHarness h = new DatastoreHarness(none);
      DatastoreManifest m = h.backup();
      assertThat(m.artifacts()).isEmpty();
      assertThat(m.resources()).isEmpty();
      String before = fixture().liveData();

      DatastorePlan plan = h.plan(m);

      assertThat(plan.resources()).isEmpty();
      assertThat(h.restore(m, plan).resources()).isEmpty();
      assertThat(fixture().liveData()).isEqualTo(before);
    }
  }

  /** Storage that presigns URLs the server under test can fetch. */
  protected PresigningStorage presigning(io.maintenance.spi.ArtifactSource stored, java.util.function.Consumer<byte[]> alter)
      throws java.io.IOException {
    return new PresigningStorage(stored, alter);
  }

  /** Only the double can tell whether bytes reached the server; a real server is checked by its data alone. */
  protected void assertNothingUploaded() {}

  @Test
  void wrongApiKeyGivesQdrantUnauthorizedAndTouchesNothing() throws Exception {
    List<String> snapshotsBefore = fixture().http.snapshots("docs");
    try (QdrantDatastore wrong = fixture().datastore("wrong").apiKey("not-the-key").build()) {
      ProbeResult probe = wrong.probe();
      assertThat(probe.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(probe.code()).isEqualTo(QdrantDatastore.QDRANT_UNAUTHORIZED);
      assertThat(probe.detail()).doesNotContain("not-the-key");

      assertThatThrownBy(() -> new DatastoreHarness(wrong).backup()).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.details()).containsEntry("reason", QdrantDatastore.QDRANT_UNAUTHORIZED);
        assertThat(e.getMessage()).doesNotContain("not-the-key");
      });
    }
    assertThat(fixture().http.snapshots("docs")).isEqualTo(snapshotsBefore);
  }

  @Test
  void unreachableServerGivesQdrantUnreachable() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (QdrantDatastore nowhere = QdrantDatastore.builder("nowhere").url(URI.create("http://127.0.0.1:" + closed))
        .grpcPort(closed).requestTimeout(java.time.Duration.ofSeconds(3)).build()) {
      ProbeResult probe = nowhere.probe();
      assertThat(probe.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(probe.code()).isEqualTo(QdrantDatastore.QDRANT_UNREACHABLE);
      assertThatThrownBy(() -> nowhere.fingerprint(Set.of())).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    }
  }

  @Test
  void planDiffsPointsVectorParamsPayloadIndexesAndAliases() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture().mutate();
    fixture().client.deleteCollectionAsync("images").get();

    DatastorePlan plan = harness.plan(m);

    Map<String, ResourceDiff> byName = plan.resources().stream().collect(Collectors.toMap(ResourceDiff::name, d -> d));
    ResourceDiff docs = byName.get("docs");
    assertThat(docs.change()).isEqualTo(ChangeKind.REPLACE);
    assertThat(docs.counts()).singleElement().satisfies(c -> {
      assertThat(c.metric()).isEqualTo("points");
      assertThat(c.before()).isEqualTo(6);
      assertThat(c.after()).isEqualTo(5);
    });
    assertThat(docs.itemsLost()).isEqualTo(1);
    assertThat(docs.schemaChanges()).contains("alias 'docs-current' will be created");
    ResourceDiff images = byName.get("images");
    assertThat(images.change()).isEqualTo(ChangeKind.CREATE);
    assertThat(images.counts().get(0).before()).isZero();
    assertThat(images.counts().get(0).after()).isEqualTo(3);
    assertThat(images.schemaChanges()).containsExactly("collection will be created from the snapshot");
  }

  @Test
  void restoreRecreatesADroppedCollectionWithItsAliases() throws Exception {
    String original = fixture().liveData();
    DatastoreManifest m = harness.backup();
    fixture().client.deleteCollectionAsync("docs").get();

    DatastorePlan plan = harness.plan(m);
    assertThat(plan.resources()).filteredOn(d -> d.name().equals("docs")).singleElement()
        .satisfies(d -> assertThat(d.change()).isEqualTo(ChangeKind.CREATE));
    RestoreOutcome outcome = harness.restore(m, plan);

    assertThat(outcome.resources()).contains(new ResourceSummary("collection", "docs", Map.of("points", 5L)));
    assertThat(fixture().liveData()).isEqualTo(original);
  }

  @Test
  void fingerprintTracksExactCountConfigAndAliasesPerCollection() throws Exception {
    Fingerprint before = datastore.fingerprint(Set.of("docs", "missing"));
    assertThat(before.components()).containsEntry("missing", "absent");
    assertThat(before.components().get("docs")).startsWith("points=5;config=").contains(";aliases=docs-current;payloads=");

    fixture().client.createAliasAsync("docs-extra", "docs").get();
    Fingerprint aliased = datastore.fingerprint(Set.of("docs", "missing"));
    fixture().client.upsertAsync("docs", java.util.List.of(io.qdrant.client.grpc.Points.PointStruct.newBuilder()
        .setId(io.qdrant.client.PointIdFactory.id(99)).setVectors(io.qdrant.client.VectorsFactory.vectors(1, 2, 3, 4)).build())).get();
    Fingerprint grown = datastore.fingerprint(Set.of("docs", "missing"));

    assertThat(aliased.value()).isNotEqualTo(before.value());
    assertThat(grown.value()).isNotEqualTo(aliased.value());
    assertThat(grown.components().get("docs")).startsWith("points=6;");
  }

  @Test
  void snapshotOfAnIncompatibleQdrantVersionIsRejectedBeforeAnythingIsTouched() throws Exception {
    DatastoreManifest m = harness.backup();
    DatastorePlan planOfOriginal = harness.plan(m);
    fixture().mutate();
    String mutated = fixture().liveData();
    String target = datastore.probe().attributes().get("version");
    String[] parts = target.split("\\.");
    ObjectNode record = (ObjectNode) record(m, "docs");
    record.put("serverVersion", parts[0] + "." + (Integer.parseInt(parts[1]) + 1) + ".0");
    DatastoreManifest newer = Artifacts.replace(harness, m, "docs.qdrant.json", JSON.writeValueAsBytes(record));

    assertThatThrownBy(() -> harness.plan(newer)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
      assertThat(e.details()).containsEntry("collection", "docs").containsEntry("targetVersion", target);
    });
    assertThatThrownBy(() -> harness.restore(newer, planOfOriginal)).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    assertThat(fixture().liveData()).isEqualTo(mutated);
    assertNothingUploaded();
  }

  @Test
  void serverFailureDuringRecoveryFailsTheRestoreWithTheServersMessageAndTheCollectionState() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture().mutate();
    // A well-formed archive with a collection config but no shard: it passes the dry run, and Qdrant
    // fails while recovering it, after the whole upload arrived.
    byte[] broken = tar(Map.of("config.json", record(m, "docs").path("restInfo").path("config").toString(),
        "version.info", "0.4.2"));
    ObjectNode record = (ObjectNode) record(m, "docs");
    ((ObjectNode) record.path("snapshots").path(0)).put("sha256", io.maintenance.spi.support.Digests.sha256Hex(broken));
    ((ObjectNode) record.path("snapshots").path(0)).put("size", broken.length);
    DatastoreManifest withBroken = Artifacts.replace(harness, Artifacts.replace(harness, m, "docs.snapshot", broken),
        "docs.qdrant.json", JSON.writeValueAsBytes(record));
    DatastorePlan plan = harness.plan(withBroken);

    assertThatThrownBy(() -> harness.restore(withBroken, plan)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.DATASTORE_FAILURE);
      assertThat(e.details()).containsKey("serverMessage").containsEntry("collection", "docs")
          .containsEntry("notAttempted", "images").containsKey("httpStatus");
      assertThat(e.getMessage()).contains(e.details().get("serverMessage")).contains("Collection 'docs' is now");
      assertThat(e.details().get("collectionState")).isNotBlank();
    });
  }

  @Test
  void aPayloadOnlyEditChangesTheFingerprint() throws Exception {
    Fingerprint before = datastore.fingerprint(Set.of("docs"));
    fixture().client.setPayloadAsync("docs", Map.of("city", io.qdrant.client.ValueFactory.value("Bern")), List.of(
        io.qdrant.client.PointIdFactory.id(1)), null, null, null).get();

    Fingerprint after = datastore.fingerprint(Set.of("docs"));

    assertThat(after.value()).isNotEqualTo(before.value());
    assertThat(after.components().get("docs")).startsWith("points=5;");
    try (QdrantDatastore countsOnly = fixture().datastore("counts").driftCheck(io.maintenance.datastore.qdrant.DriftCheck.COUNTS).build()) {
      String c1 = countsOnly.fingerprint(Set.of("docs")).value();
      fixture().client.setPayloadAsync("docs", Map.of("city", io.qdrant.client.ValueFactory.value("Genf")), List.of(
          io.qdrant.client.PointIdFactory.id(1)), null, null, null).get();
      assertThat(countsOnly.fingerprint(Set.of("docs")).value()).as("counts only: payload edits go unnoticed").isEqualTo(c1);
    }
  }

  @Test
  void aCancelledRestoreStopsBeforeItsPointOfNoReturnAndChangesNothing() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture().mutate();
    DatastorePlan plan = harness.plan(m);
    String mutated = fixture().liveData();
    MaintenanceException cancellation = new MaintenanceException(ErrorCode.OPERATION_IN_PROGRESS, "cancelled by the test");

    assertThatThrownBy(() -> datastore.restore(Artifacts.cancelled(
        Artifacts.context(m, harness.artifacts(m), Optional.of(plan)), cancellation)))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.OPERATION_IN_PROGRESS);
          assertThat(e.getMessage()).contains("cancelled by the test");
        });
    assertThat(fixture().liveData()).isEqualTo(mutated);
    assertNothingUploaded();
  }

  @Test
  void restoringASelectedCollectionLeavesTheOthersAlone() throws Exception {
    DatastoreManifest m = harness.backup();
    fixture().mutate();
    Set<String> images = Set.of("images");

    DatastorePlan plan = datastore.plan(Artifacts.context(m, harness.artifacts(m), images, Optional.empty()));
    RestoreOutcome outcome = datastore.restore(Artifacts.context(m, harness.artifacts(m), images, Optional.of(plan)));

    assertThat(plan.resources()).extracting(ResourceDiff::name).containsExactly("images");
    assertThat(outcome.resources()).containsExactly(new ResourceSummary("collection", "images", Map.of("points", 3L)));
    assertThat(fixture().count("images")).isEqualTo(3);
    assertThat(fixture().count("docs")).as("docs keeps its mutation").isEqualTo(6);
    assertThat(fixture().client.listAliasesAsync().get()).as("docs-next (on images) is gone; docs-current is not back")
        .isEmpty();
  }

  @Test
  void snapshotsStoredTransformedByTheEngineAreUploadedAsQdrantWroteThem() throws Exception {
    String original = fixture().liveData();
    io.maintenance.tck.InMemoryStorage storage = new io.maintenance.tck.InMemoryStorage();
    SealingCodec codec = new SealingCodec();
    io.maintenance.spi.internal.StorageArtifactSink sink = new io.maintenance.spi.internal.StorageArtifactSink(storage,
        "sealed/b1/vectors", io.maintenance.spi.internal.UploadTracker.NONE, Optional.empty(), codec);
    io.maintenance.spi.DatastoreBackup b = datastore.backup(new io.maintenance.spi.internal.Contexts.Backup("b1",
        io.maintenance.api.BackupType.FULL, Optional.empty(), sink, io.maintenance.spi.ProgressListener.NONE));
    DatastoreManifest m = new DatastoreManifest("vectors", "qdrant", "test", b.sourceFingerprint().value(), sink.completed(),
        b.resources(), Map.of());
    ArtifactInfo docs = m.artifacts().stream().filter(a -> a.name().equals("docs.snapshot")).findFirst().orElseThrow();
    io.maintenance.spi.ArtifactSource source = new io.maintenance.spi.internal.StorageArtifactSource(storage, m.artifacts(),
        a -> "sealed/b1/vectors/" + a.name(), codec);
    JsonNode record;
    try (java.io.InputStream in = source.open("docs.qdrant.json")) {
      record = JSON.readTree(in);
    }
    // The record keeps Qdrant's checksum of the snapshot as written; storage holds other bytes.
    assertThat(docs.storedAsWritten()).isFalse();
    assertThat(docs.contentSha256()).contains(record.path("snapshots").path(0).path("sha256").asText());
    assertThat(docs.sha256()).isNotEqualTo(docs.contentSha256().orElseThrow());
    fixture().mutate();

    DatastorePlan plan = datastore.plan(Artifacts.context(m, source, Optional.empty()));
    datastore.restore(Artifacts.context(m, source, Optional.of(plan)));

    assertThat(fixture().liveData()).isEqualTo(original);
  }

  static String tarEntry(byte[] tar, String name) throws Exception {
    try (org.apache.commons.compress.archivers.tar.TarArchiveInputStream in =
        new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new java.io.ByteArrayInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (e.getName().replaceFirst("^\\./", "").equals(name)) {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
      }
    }
    throw new AssertionError(name + " is not in the snapshot");
  }

  JsonNode record(DatastoreManifest m, String collection) throws Exception {
    return JSON.readTree(Artifacts.bytes(harness, m, collection + ".qdrant.json"));
  }

  static byte[] tar(Map<String, String> files) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      for (Map.Entry<String, String> f : new java.util.TreeMap<>(files).entrySet()) {
        byte[] b = f.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }
}
