package io.maintenance.datastore.qdrant.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.qdrant.DriftCheck;
import io.maintenance.spi.support.Digests;
import io.maintenance.spi.internal.VerifyingInputStream;
import io.maintenance.tck.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArtifactParsingTest {
  @Test
  void snapshotInspectionReadsTheWholeArchiveAndNeedsTheFileThatMakesItAQdrantSnapshot() throws Exception {
    byte[] tar = tar(Map.of("config.json", "{\"params\":{\"vectors\":{\"size\":4}}}", "version.info", "0.4.2",
        "0/segments/data", new String(TestData.bytes(1, 100_000), StandardCharsets.ISO_8859_1)));
    VerifyingInputStream verifying = new VerifyingInputStream(new ByteArrayInputStream(tar), "x.snapshot", tar.length, Digests.sha256Hex(tar));

    SnapshotContents contents = SnapshotContents.read("x.snapshot", false, verifying);

    assertThat(contents.entries()).isEqualTo(3);
    assertThat(verifying.verified()).as("read to the last byte, so the checksum was checked").isTrue();
    assertThatThrownBy(() -> SnapshotContents.read("x.snapshot", true, new ByteArrayInputStream(tar)))
        .as("a collection snapshot is not a shard snapshot")
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    assertThat(SnapshotContents.read("s.snapshot", true, new ByteArrayInputStream(tar(Map.of("shard_config.json", "{}",
        "segments/a.tar", "x")))).entries()).isEqualTo(2);
  }

  @Test
  void gnuSparseEntriesReadThroughAStreamOfShortReads() throws Exception {
    // GNU tar --sparse output, like the WAL files in Qdrant's snapshots; storage streams return short reads.
    byte[] tar;
    try (java.io.InputStream in = getClass().getResourceAsStream("/gnu-sparse-shard.tar")) {
      tar = in.readAllBytes();
    }
    java.io.InputStream shortReads = new java.io.FilterInputStream(new ByteArrayInputStream(tar)) {
      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        return super.read(b, off, Math.min(len, 700));
      }
    };
    VerifyingInputStream verifying = new VerifyingInputStream(shortReads, "s.snapshot", tar.length, Digests.sha256Hex(tar));

    assertThat(SnapshotContents.read("s.snapshot", true, verifying).entries()).isEqualTo(3);
    assertThat(verifying.verified()).isTrue();
  }

  @Test
  void bytesThatAreNotACollectionSnapshotAreIncompatible() throws Exception {
    for (byte[] bad : List.of(TestData.bytes(2, 5000), tar(Map.of("./0/points", "x")), new byte[0])) {
      assertThatThrownBy(() -> SnapshotContents.read("bad.snapshot", false, new ByteArrayInputStream(bad)))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    }
  }

  @Test
  void collectionRecordRoundTripsAndRejectsMalformedOrUnsafeRecords() throws Exception {
    CollectionState state = new CollectionState("docs", 7, new TreeMap<>(Map.of("", "size: 4 distance: Cosine")), new TreeMap<>(),
        new TreeMap<>(Map.of("city", "Keyword")), "shards=1", List.of("b", "a"),
        Optional.of(new ContentDigest.Result(DriftCheck.PAYLOADS, "c".repeat(64))));
    CollectionRecord r = CollectionRecord.of("1.18.3", CollectionRecord.COLLECTION, List.of(new CollectionRecord.Snap(null,
        "docs.snapshot", "s", 10, "a".repeat(64), "qdrant", null, null)), state, null, RestClient.JSON.readTree(REST_INFO));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    r.write(out);

    CollectionRecord back = CollectionRecord.read("docs.qdrant.json", new ByteArrayInputStream(out.toByteArray()));

    assertThat(back.state()).isEqualTo(state);
    assertThat(back.state().configHash()).isEqualTo(state.configHash());
    assertThat(back.aliases()).containsExactly("a", "b");
    String json = out.toString(StandardCharsets.UTF_8);
    assertThat(json).doesNotContain("snapshotArtifact");
    for (String bad : List.of("{not json", json.replace("\"format\" : 2", "\"format\" : 3"),
        json.replace("\"collection\" : \"docs\"", "\"collection\" : \"../etc\""),
        json.replace("\"serverVersion\" : \"1.18.3\"", "\"serverVersion\" : \"banana\""),
        json.replace("a".repeat(64), "not-a-hash"), json.replace("\"b\"", "\"bad/alias\""),
        json.replace("\"layout\" : \"collection\"", "\"layout\" : \"shards\""),
        json.replace("\"check\" : \"payloads\"", "\"check\" : \"everything\""))) {
      assertThatThrownBy(() -> CollectionRecord.read("docs.qdrant.json", new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8))))
          .as(bad).isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    }
  }

  @Test
  void formatOneRecordsReadAsOneCollectionSnapshotCheckedByQdrant() throws Exception {
    String v1 = "{\"format\":1,\"collection\":\"docs\",\"serverVersion\":\"1.15.0\",\"snapshotArtifact\":\"docs.snapshot\","
        + "\"snapshot\":{\"name\":\"docs-1.snapshot\",\"size\":12,\"sha256\":\"" + "b".repeat(64) + "\"},\"points\":5,"
        + "\"vectors\":{\"\":\"size: 4\"},\"aliases\":[\"docs-current\"],\"restInfo\":" + REST_INFO + "}";

    CollectionRecord r = CollectionRecord.read("docs.qdrant.json", new ByteArrayInputStream(v1.getBytes(StandardCharsets.UTF_8)));

    assertThat(r.sharded()).isFalse();
    assertThat(r.snapshots()).containsExactly(new CollectionRecord.Snap(null, "docs.snapshot", "docs-1.snapshot", 12,
        "b".repeat(64), "qdrant", null, null));
    assertThat(r.state().content()).isEmpty();
    assertThat(r.aliases()).containsExactly("docs-current");
  }

  private static final String REST_INFO = "{\"config\":{\"params\":{\"vectors\":{\"size\":4,\"distance\":\"Cosine\"}}}}";

  static byte[] tar(Map<String, String> files) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      for (Map.Entry<String, String> f : new TreeMap<>(files).entrySet()) {
        byte[] b = f.getValue().getBytes(StandardCharsets.ISO_8859_1);
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
