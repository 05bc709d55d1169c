package io.maintenance.core.internal.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupType;
import io.maintenance.api.Compression;
import io.maintenance.api.DataKey;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ArtifactOptions;
import io.maintenance.spi.internal.ArtifactCodec;
import io.maintenance.spi.support.Digests;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.StorageArtifactSource;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.tck.InMemoryStorage;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The engine's codec between StorageArtifactSink and StorageArtifactSource, over in-memory storage. */
class ArtifactPipelineTest {
  private static final String SECRET_ROW = "customer-4711,Ada Lovelace,ada@example.org,IBAN DE89370400440532013000";

  @TempDir Path dir;
  private final InMemoryStorage storage = new InMemoryStorage(new InMemoryStorage.Backing(), 64 * 1024);

  /** Rows like a table dump: repetitive enough to compress, with one value we look for in storage. */
  private static byte[] rows(int n) {
    StringBuilder b = new StringBuilder();
    Random r = new Random(7);
    for (int i = 0; i < n; i++) {
      b.append(i).append(",account-").append(r.nextInt(100_000)).append(',').append(r.nextInt(1_000_000) / 100.0)
          .append(",2026-11-").append(10 + i % 18).append('\n');
      if (i == n / 2) {
        b.append(SECRET_ROW).append('\n');
      }
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private Artifacts artifacts(Map<String, String> settings) {
    return Artifacts.start(ArtifactPolicy.parse(settings));
  }

  private Map<String, String> keyset(Path file) {
    return Map.of("encryption", "keyset", "encryption.keyset-file", file.toString());
  }

  private record Written(BackupManifest manifest, DatastoreManifest section) {}

  private Written write(Artifacts a, String backupId, Map<String, byte[]> content, ArtifactOptions options) throws Exception {
    Artifacts.Writer w = a.writer(backupId);
    StorageArtifactSink sink = new StorageArtifactSink(storage, backupId + "/ds", UploadTracker.NONE, Optional.empty(), w.codec("ds"));
    for (var e : content.entrySet()) {
      try (OutputStream out = sink.create(e.getKey(), "text/csv", options)) {
        out.write(e.getValue());
      }
    }
    DatastoreManifest section = new DatastoreManifest("ds", "fake", "1", "fp", sink.completed(), List.of(), Map.of());
    BackupManifest m = new BackupManifest(BackupManifest.FORMAT_VERSION, backupId, BackupType.FULL, Optional.empty(),
        Instant.EPOCH, Instant.EPOCH, "test", List.of(section), w.dataKey().stream().toList());
    return new Written(m, section);
  }

  private StorageArtifactSource source(Artifacts a, Written w) {
    return new StorageArtifactSource(storage, w.section().artifacts(),
        x -> x.heldBy().orElse(w.manifest().backupId()) + "/ds/" + x.name(), a.reader(w.manifest(), w.section()));
  }

  private static byte[] readAll(StorageArtifactSource s, String name) throws Exception {
    try (InputStream in = s.open(name)) {
      return in.readAllBytes();
    }
  }

  private byte[] stored(String backupId, String name) {
    return storage.backing().bytes(backupId + "/ds/" + name).orElseThrow();
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void everyCompressionRoundTripsPlainAndEncrypted(Compression c) throws Exception {
    byte[] data = rows(20_000);
    Path keys = TestKeys.newKeyset(dir, "kek.json");
    for (boolean encrypted : new boolean[] {false, true}) {
      Map<String, String> settings = new java.util.HashMap<>(Map.of("compression", c.name().toLowerCase()));
      if (encrypted) {
        settings.putAll(keyset(keys));
      }
      Artifacts a = artifacts(settings);
      String id = "b-" + c + "-" + encrypted;
      Written w = write(a, id, Map.of("t.csv", data), ArtifactOptions.DEFAULT);
      ArtifactInfo info = w.section().artifacts().get(0);
      assertThat(info.compression()).isEqualTo(c);
      assertThat(info.dataKey().isPresent()).isEqualTo(encrypted);
      byte[] stored = stored(id, "t.csv");
      assertThat(info.sha256()).isEqualTo(Digests.sha256Hex(stored));
      assertThat(info.size()).isEqualTo(stored.length);
      if (c != Compression.NONE) {
        assertThat(stored.length).isLessThan(data.length / 2);
      }
      assertThat(readAll(source(a, w), "t.csv")).isEqualTo(data);
      if (encrypted || c != Compression.NONE) {
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("Ada Lovelace");
      }
    }
  }

  @Test
  void precompressedBytesAreNotCompressedAgainAndTheirOwnDigestIsRecorded() throws Exception {
    byte[] archive = new byte[300_000];
    new Random(1).nextBytes(archive);
    Artifacts a = artifacts(keyset(TestKeys.newKeyset(dir, "kek.json")));
    Written w = write(a, "b1", Map.of("snap.tar", archive), ArtifactOptions.PRECOMPRESSED);
    ArtifactInfo info = w.section().artifacts().get(0);
    assertThat(info.compression()).isEqualTo(Compression.NONE);
    assertThat(info.dataKey()).contains("b1");
    assertThat(info.contentSha256()).contains(Digests.sha256Hex(archive));
    assertThat(info.sha256()).isNotEqualTo(Digests.sha256Hex(archive));
    assertThat(info.storedAsWritten()).isFalse();
    // streaming AEAD: a header and a tag per 1 MiB segment, nothing more
    assertThat(info.size()).isBetween((long) archive.length, archive.length + 200L);
    assertThat(readAll(source(a, w), "snap.tar")).isEqualTo(archive);
    assertThat(source(a, w).presign("snap.tar", java.time.Duration.ofMinutes(1))).isEmpty();
  }

  @Test
  void withoutEncryptionPrecompressedBytesAreStoredAsWritten() throws Exception {
    byte[] archive = rows(1000);
    Written w = write(artifacts(Map.of()), "b1", Map.of("snap.tar", archive), ArtifactOptions.PRECOMPRESSED);
    ArtifactInfo info = w.section().artifacts().get(0);
    assertThat(info.storedAsWritten()).isTrue();
    assertThat(info.sha256()).isEqualTo(Digests.sha256Hex(archive)).isEqualTo(info.contentSha256().orElseThrow());
  }

  @Test
  void aFlippedCiphertextByteIsRefusedEvenWhenTheManifestWasForgedToMatch() throws Exception {
    Artifacts a = artifacts(keyset(TestKeys.newKeyset(dir, "kek.json")));
    Written w = write(a, "b1", Map.of("t.csv", rows(50_000)), ArtifactOptions.DEFAULT);
    byte[] stored = stored("b1", "t.csv");
    stored[stored.length / 2] ^= 0x01;
    Written forged = forge(w, "t.csv", stored);
    assertThatThrownBy(() -> readAll(source(a, forged), "t.csv"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
          assertThat(e.getMessage()).contains("cannot be decrypted");
        });
    // and with the honest manifest the SHA-256 of the stored bytes catches it first
    storage.backing().tamper("b1/ds/t.csv", stored);
    assertThatThrownBy(() -> readAll(source(a, w), "t.csv"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
  }

  @Test
  void aTruncatedLastSegmentIsRefused() throws Exception {
    Artifacts a = artifacts(keyset(TestKeys.newKeyset(dir, "kek.json")));
    byte[] archive = new byte[3 * 1024 * 1024 + 5000];
    new Random(2).nextBytes(archive);
    Written w = write(a, "b1", Map.of("snap.tar", archive), ArtifactOptions.PRECOMPRESSED);
    byte[] stored = stored("b1", "snap.tar");
    // drop the last (short) segment entirely: what is left ends on a segment boundary but not on the final segment
    byte[] cut = Arrays.copyOf(stored, stored.length - (5000 + 16));
    assertThatThrownBy(() -> readAll(source(a, forge(w, "snap.tar", cut)), "snap.tar"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
  }

  @Test
  void artifactsSwappedWithinAndBetweenBackupsAreRefused() throws Exception {
    Artifacts a = artifacts(keyset(TestKeys.newKeyset(dir, "kek.json")));
    Written one = write(a, "b1", Map.of("a.csv", rows(1000), "b.csv", rows(2000)), ArtifactOptions.DEFAULT);
    Written two = write(a, "b2", Map.of("a.csv", rows(3000)), ArtifactOptions.DEFAULT);
    // b.csv's ciphertext under the name a.csv, in the same backup (same data key): bound to its name
    Written renamed = forge(one, "a.csv", stored("b1", "b.csv"));
    assertThatThrownBy(() -> readAll(source(a, renamed), "a.csv"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
    // backup two's a.csv in backup one: another data key
    Written moved = forge(one, "a.csv", stored("b2", "a.csv"));
    assertThatThrownBy(() -> readAll(source(a, moved), "a.csv"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
    assertThat(readAll(source(a, two), "a.csv")).isEqualTo(rows(3000));
  }

  @Test
  void aWrongOrMissingKeyFailsWhenTheReaderIsMadeNamingTheKey() throws Exception {
    Path kek = TestKeys.newKeyset(dir, "kek.json");
    Written w = write(artifacts(keyset(kek)), "b1", Map.of("t.csv", rows(100)), ArtifactOptions.DEFAULT);
    String keyId = "keyset:" + Integer.toUnsignedString(TestKeys.primaryId(kek));
    assertThat(w.manifest().dataKeys()).singleElement().satisfies(k -> {
      assertThat(k.keyId()).isEqualTo(keyId);
      assertThat(k.algorithm()).isEqualTo("AES256_GCM_HKDF_1MB");
      assertThat(k.toString()).doesNotContain(k.wrappedKey());
    });
    Artifacts other = artifacts(keyset(TestKeys.newKeyset(dir, "other.json")));
    assertThatThrownBy(() -> other.reader(w.manifest(), w.section()))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
          assertThat(e.details()).containsEntry("keyId", keyId);
          assertThat(e.getMessage()).contains(keyId).contains("has no such key");
        });
    Artifacts none = artifacts(Map.of());
    assertThatThrownBy(() -> none.reader(w.manifest(), w.section()))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
          assertThat(e.details()).containsEntry("keyId", keyId);
        });
  }

  @Test
  void aWrappedKeyCopiedIntoAnotherBackupDoesNotUnwrap() throws Exception {
    Path kek = TestKeys.newKeyset(dir, "kek.json");
    Artifacts a = artifacts(keyset(kek));
    Written one = write(a, "b1", Map.of("t.csv", rows(100)), ArtifactOptions.DEFAULT);
    Written two = write(a, "b2", Map.of("t.csv", rows(100)), ArtifactOptions.DEFAULT);
    DataKey k1 = one.manifest().dataKeys().get(0);
    DataKey moved = new DataKey("b2", k1.algorithm(), k1.keyId(), k1.wrappedKey());
    BackupManifest forged = new BackupManifest(2, "b2", BackupType.FULL, Optional.empty(), Instant.EPOCH, Instant.EPOCH, "t",
        two.manifest().datastores(), List.of(moved));
    assertThatThrownBy(() -> a.reader(forged, two.section()))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE));
  }

  @Test
  void rotationThenRewrapLetsTheOldKeyGo() throws Exception {
    Path kek = TestKeys.newKeyset(dir, "kek.json");
    Written w = write(artifacts(keyset(kek)), "b1", Map.of("t.csv", rows(500)), ArtifactOptions.DEFAULT);
    String oldKey = w.manifest().dataKeys().get(0).keyId();
    TestKeys.rotate(kek);
    Artifacts rotated = artifacts(keyset(kek));
    assertThat(rotated.wrappingKey()).isPresent().get().isNotEqualTo(oldKey);
    assertThat(readAll(source(rotated, w), "t.csv")).isEqualTo(rows(500)); // older backups still restore
    assertThat(rotated.stale(w.manifest())).hasSize(1);
    DataKey rewrapped = rotated.rewrap(w.manifest().dataKeys().get(0));
    assertThat(rewrapped.keyId()).isEqualTo(rotated.wrappingKey().orElseThrow());
    BackupManifest m2 = new BackupManifest(2, "b1", BackupType.FULL, Optional.empty(), Instant.EPOCH, Instant.EPOCH, "t",
        w.manifest().datastores(), List.of(rewrapped));
    TestKeys.dropAllButPrimary(kek);
    Artifacts retired = artifacts(keyset(kek));
    assertThat(readAll(source(retired, new Written(m2, w.section())), "t.csv")).isEqualTo(rows(500));
    assertThatThrownBy(() -> retired.reader(w.manifest(), w.section()))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.details()).containsEntry("keyId", oldKey));
  }

  @Test
  void legacyGzipArtifactsWrittenByAPluginStillRead() throws Exception {
    byte[] data = rows(1000);
    StorageArtifactSink sink = new StorageArtifactSink(storage, "old/ds", UploadTracker.NONE, Optional.empty());
    @SuppressWarnings("deprecation")
    OutputStream out = sink.create("g.ndjson.gz", "application/x-ndjson", Compression.GZIP);
    try (out) {
      out.write(data);
    }
    DatastoreManifest section = new DatastoreManifest("ds", "fake", "1", "fp", sink.completed(), List.of(), Map.of());
    BackupManifest m = new BackupManifest(1, "old", BackupType.FULL, Optional.empty(), Instant.EPOCH, Instant.EPOCH, "t",
        List.of(section));
    Artifacts a = artifacts(Map.of());
    StorageArtifactSource s = new StorageArtifactSource(storage, section.artifacts(), x -> "old/ds/" + x.name(), a.reader(m, section));
    assertThat(readAll(s, "g.ndjson.gz")).isEqualTo(data);
    // and the plain codec plugins' tests use reads it too
    assertThat(readAll(new StorageArtifactSource(storage, section.artifacts(), x -> "old/ds/" + x.name()), "g.ndjson.gz"))
        .isEqualTo(data);
  }

  @Test
  void aManifestOfTheFirstFormatReadsAsUnencrypted() throws Exception {
    String old = "{\"formatVersion\":1,\"backupId\":\"b1\",\"type\":\"FULL\",\"parentId\":null,"
        + "\"startedAt\":\"2026-01-01T00:00:00Z\",\"finishedAt\":\"2026-01-01T00:00:01Z\",\"engineVersion\":\"0.1.0\","
        + "\"datastores\":[{\"id\":\"ds\",\"type\":\"falkordb\",\"pluginVersion\":\"1\",\"sourceFingerprint\":\"fp\","
        + "\"artifacts\":[{\"name\":\"g.ndjson\",\"size\":3,\"sha256\":\"abc\",\"contentType\":\"application/x-ndjson\","
        + "\"compression\":\"GZIP\",\"heldBy\":null}],\"resources\":[],\"metadata\":{}}]}";
    BackupManifest m = io.maintenance.core.internal.Json.MAPPER.readValue(old, BackupManifest.class);
    assertThat(m.dataKeys()).isEmpty();
    assertThat(m.datastores().get(0).artifacts()).singleElement().satisfies(a -> {
      assertThat(a.compression()).isEqualTo(Compression.GZIP);
      assertThat(a.dataKey()).isEmpty();
      assertThat(a.contentSha256()).isEmpty();
    });
  }

  @Test
  void thePlainCodecRefusesWhatOnlyTheEngineCanRead() throws Exception {
    Artifacts a = artifacts(Map.of());
    Written w = write(a, "b1", Map.of("t.csv", rows(10)), ArtifactOptions.DEFAULT);
    StorageArtifactSource plain = new StorageArtifactSource(storage, w.section().artifacts(), x -> "b1/ds/" + x.name(),
        ArtifactCodec.plain());
    assertThatThrownBy(() -> readAll(plain, "t.csv"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
  }

  @Test
  void aDecodedStreamEndsOnlyAfterTheStoredBytesWereVerified() throws Exception {
    Artifacts a = artifacts(Map.of());
    Written w = write(a, "b1", Map.of("t.csv", rows(100)), ArtifactOptions.DEFAULT);
    byte[] stored = stored("b1", "t.csv");
    // a valid zstd stream followed by bytes the manifest does not know: the decoder stops early, the check does not
    byte[] extended = Arrays.copyOf(stored, stored.length + 10);
    storage.backing().tamper("b1/ds/t.csv", extended);
    assertThatThrownBy(() -> readAll(source(a, w), "t.csv"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
  }

  @Test
  void settingsAreValidatedNamingTheKey() {
    assertThat(ArtifactPolicy.parse(Map.of()).compression()).isEqualTo(Compression.ZSTD);
    assertThat(ArtifactPolicy.parse(Map.of()).level()).isEqualTo(3);
    for (Map<String, String> bad : List.of(Map.of("compression", "lz4"), Map.of("compression.level", "40"),
        Map.of("encryption", "keyset"), Map.of("encryption", "aws-kms"),
        Map.of("encryption", "aws-kms", "encryption.kms-key", "gcp-kms://projects/p"),
        Map.of("encryption.previous-keys", "keyset:1"), Map.of("encryption.aws.access-key", "a"), Map.of("colour", "red"))) {
      assertThatThrownBy(() -> ArtifactPolicy.parse(bad)).as(bad.toString())
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
    }
    assertThatThrownBy(() -> Artifacts.start(ArtifactPolicy.parse(Map.of("encryption", "keyset",
        "encryption.keyset-file", dir.resolve("missing.json").toString()))))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
  }

  /** The manifest a forger who can also rewrite the manifest (and catalog) would present for replaced bytes. */
  private Written forge(Written w, String name, byte[] bytes) {
    String key = w.manifest().backupId() + "/ds/" + name;
    storage.backing().tamper(key, bytes);
    List<ArtifactInfo> arts = w.section().artifacts().stream().map(x -> !x.name().equals(name) ? x
        : new ArtifactInfo(x.name(), bytes.length, Digests.sha256Hex(bytes), x.contentType(), x.compression(), x.heldBy(),
            x.dataKey(), x.contentSha256())).toList();
    DatastoreManifest s = new DatastoreManifest("ds", "fake", "1", "fp", arts, List.of(), Map.of());
    return new Written(new BackupManifest(2, w.manifest().backupId(), BackupType.FULL, Optional.empty(), Instant.EPOCH,
        Instant.EPOCH, "t", List.of(s), w.manifest().dataKeys()), s);
  }
}
