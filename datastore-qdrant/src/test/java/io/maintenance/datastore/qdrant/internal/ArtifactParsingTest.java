package io.maintenance.datastore.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.Digests;
import io.maintenance.spi.support.VerifyingInputStream;
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

class ArtifactParsingTest {
  @Test
  void snapshotInspectionReadsConfigAndVersionAndTheWholeArchive() throws Exception {
    byte[] tar = tar(Map.of("./config.json", "{\"params\":{\"vectors\":{\"size\":4}}}", "./version.info", "1.15.0\n",
        "./0/segments/data", new String(TestData.bytes(1, 100_000), StandardCharsets.ISO_8859_1)));
    VerifyingInputStream verifying = new VerifyingInputStream(new ByteArrayInputStream(tar), "x.snapshot", tar.length, Digests.sha256Hex(tar));

    SnapshotContents contents = SnapshotContents.read("x.snapshot", verifying);

    assertThat(contents.version()).contains("1.15.0");
    assertThat(contents.config().path("params").path("vectors").path("size").asInt()).isEqualTo(4);
    assertThat(contents.entries()).isEqualTo(3);
    assertThat(verifying.verified()).as("read to the last byte, so the checksum was checked").isTrue();
  }

  @Test
  void bytesThatAreNotACollectionSnapshotAreIncompatible() throws Exception {
    for (byte[] bad : List.of(TestData.bytes(2, 5000), tar(Map.of("./0/points", "x")), new byte[0])) {
      assertThatThrownBy(() -> SnapshotContents.read("bad.snapshot", new ByteArrayInputStream(bad)))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    }
  }

  @Test
  void collectionRecordRoundTripsAndRejectsMalformedOrUnsafeRecords() throws Exception {
    CollectionState state = new CollectionState("docs", 7, new TreeMap<>(Map.of("", "size: 4 distance: Cosine")), new TreeMap<>(),
        new TreeMap<>(Map.of("city", "Keyword")), "shards=1", List.of("b", "a"));
    CollectionRecord r = CollectionRecord.of("1.15.0", "docs.snapshot", new SnapshotInfo("s", 10, Optional.empty()),
        "a".repeat(64), state, null);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    r.write(out);

    CollectionRecord back = CollectionRecord.read("docs.qdrant.json", new ByteArrayInputStream(out.toByteArray()));

    assertThat(back.state()).isEqualTo(state);
    assertThat(back.state().configHash()).isEqualTo(state.configHash());
    assertThat(back.aliases()).containsExactly("a", "b");
    String json = out.toString(StandardCharsets.UTF_8);
    for (String bad : List.of("{not json", json.replace("\"format\" : 1", "\"format\" : 2"),
        json.replace("\"collection\" : \"docs\"", "\"collection\" : \"../etc\""),
        json.replace("\"serverVersion\" : \"1.15.0\"", "\"serverVersion\" : \"banana\""),
        json.replace("a".repeat(64), "not-a-hash"), json.replace("\"b\"", "\"bad/alias\""))) {
      assertThatThrownBy(() -> CollectionRecord.read("docs.qdrant.json", new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8))))
          .as(bad).isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    }
  }

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
