package io.maintenance.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.Credentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.StorageOptions;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.support.Digests;
import io.maintenance.spi.internal.StorageArtifactSource;
import io.maintenance.tck.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resumable-upload protocol rules that neither installable emulator implements, against
 * {@link FakeJsonApiServer}: server-verified CRC32C with retries, partial persistence, transient
 * errors, status queries on resume, cancel, rejected credentials and refused writes.
 */
class ResumableProtocolTest {
  private static final String BUCKET = "proto-bucket";
  private static final int CHUNK = 2 * FakeJsonApiServer.UNIT;
  private static final int ATTEMPTS = 3;

  private FakeJsonApiServer server;
  private GcsStorageProvider storage;

  @BeforeEach
  void start() throws IOException {
    server = new FakeJsonApiServer(BUCKET);
    storage = provider(NoCredentials.getInstance());
  }

  @AfterEach
  void stop() throws IOException {
    storage.close();
    server.close();
  }

  @Test
  void finalChunkRejectedForABadChecksumIsResentAndSucceeds() throws Exception {
    byte[] data = TestData.bytes(1, 100_000);
    server.corruptDataPuts.set(1); // the only data request is the final one

    ObjectInfo info = put("a/once.bin", data);

    assertThat(info.size()).isEqualTo(data.length);
    assertThat(server.object(BUCKET, "p/a/once.bin")).hasValue(data);
    assertThat(server.log().stream().filter(l -> l.startsWith("PUT session bytes 0-99999/100000"))).hasSize(2);
  }

  @Test
  void checksumRejectedOnEveryAttemptFailsClearlyAndKeepsThePreviousObject() throws Exception {
    byte[] old = TestData.bytes(2, 1000);
    put("a/keep.bin", old);
    server.corruptDataPuts.set(1000);

    byte[] replacement = TestData.bytes(3, 100_000);
    Upload upload = storage.startUpload("a/keep.bin", UploadOptions.of("application/octet-stream"));
    upload.write(replacement, 0, replacement.length);
    assertThatThrownBy(upload::complete).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
      assertThat(e.getMessage()).contains("CRC32C").contains(ATTEMPTS + " times");
    });
    upload.close();

    assertThat(server.log().stream().filter(l -> l.equals("PUT session bytes 0-99999/100000"))).hasSize(ATTEMPTS);
    assertThat(server.object(BUCKET, "p/a/keep.bin")).hasValue(old);
    assertThat(server.openSessions()).isZero();
  }

  @Test
  void intermediateChunkCorruptedInTransitIsCaughtByTheObjectChecksum() throws Exception {
    byte[] old = TestData.bytes(4, 1000);
    put("a/corrupt.bin", old);
    server.corruptDataPuts.set(1); // the first chunk: the server cannot tell until the object checksum

    Upload upload = storage.startUpload("a/corrupt.bin", UploadOptions.of("application/octet-stream"));
    byte[] data = TestData.bytes(5, CHUNK * 2 + 10);
    upload.write(data, 0, data.length);
    assertThatThrownBy(upload::complete)
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
    upload.close();

    assertThat(server.object(BUCKET, "p/a/corrupt.bin")).hasValue(old);
  }

  @Test
  void chunkPartlyPersistedByTheServerIsCompletedFromThePersistedOffset() throws Exception {
    server.persistHalfOfChunks.set(1);
    byte[] data = TestData.bytes(6, CHUNK * 3 + 7);

    put("a/partial.bin", data);

    assertThat(server.object(BUCKET, "p/a/partial.bin")).hasValue(data);
    // The first chunk was kept only up to 256 KiB; the rest of it was sent again from there.
    assertThat(server.log()).contains("PUT session bytes 0-" + (CHUNK - 1) + "/*",
        "PUT session bytes " + FakeJsonApiServer.UNIT + "-" + (CHUNK - 1) + "/*");
  }

  @Test
  void transientServerErrorsAreRetriedFromThePersistedOffset() throws Exception {
    server.failPuts.set(ATTEMPTS - 1);
    byte[] data = TestData.bytes(7, CHUNK * 2 + 99);

    put("a/flaky.bin", data);

    assertThat(server.object(BUCKET, "p/a/flaky.bin")).hasValue(data);
    assertThat(server.log()).contains("PUT session bytes */*"); // asked the server what it kept
  }

  @Test
  void transientErrorsOfSessionStartsAndReadsAreRetried() throws Exception {
    byte[] data = TestData.bytes(16, 1000);
    server.failRequests.set(ATTEMPTS - 1);
    put("a/retried.bin", data);
    server.failRequests.set(ATTEMPTS - 1);
    try (InputStream in = storage.openRead(ReadRequest.whole("a/retried.bin"))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }

    assertThat(server.log().stream().filter(l -> l.startsWith("POST "))).hasSize(ATTEMPTS);
    assertThat(server.log().stream().filter(l -> l.contains("?alt=media"))).hasSize(ATTEMPTS);
  }

  @Test
  void aServerErrorOnEveryAttemptFailsAfterMaxAttempts() {
    server.failRequests.set(1000);
    int before = server.log().size();

    assertThatThrownBy(() -> storage.startUpload("a/never.bin", UploadOptions.of("application/octet-stream")))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_FAILURE);
          assertThat(e.details()).containsEntry("httpStatus", "503");
        });
    assertThat(server.log().size() - before).isEqualTo(ATTEMPTS);
  }

  @Test
  void theFinalRequestFailingTransientlyIsFollowedByAStatusQueryAndCompletes() throws Exception {
    byte[] data = TestData.bytes(17, CHUNK + 500);
    Upload upload = storage.startUpload("a/final-retry.bin", UploadOptions.of("application/octet-stream"));
    upload.write(data, 0, data.length);
    int before = server.log().size();
    server.failPuts.set(2); // the first chunk is already in: the final request fails twice

    ObjectInfo info = upload.complete();

    assertThat(info.size()).isEqualTo(data.length);
    assertThat(server.object(BUCKET, "p/a/final-retry.bin")).hasValue(data);
    List<String> wire = server.log().subList(before, server.log().size());
    assertThat(wire).containsSubsequence("PUT session bytes " + CHUNK + "-" + (data.length - 1) + "/" + data.length,
        "PUT session bytes */*", "PUT session bytes " + CHUNK + "-" + (data.length - 1) + "/" + data.length);
  }

  @Test
  void retriesNeverOutliveTheRequestTimeout() throws Exception {
    server.failRequests.set(1000);
    Duration timeout = Duration.ofSeconds(1);
    try (GcsStorageProvider slow = GcsStorageProvider.builder().storage(storage(NoCredentials.getInstance())).closeStorage(true)
        .bucket(BUCKET).maxAttempts(20).retryDelay(Duration.ofMillis(300)).requestTimeout(timeout).build()) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> slow.startUpload("a/slow.bin", UploadOptions.of("application/octet-stream")))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_FAILURE);
            assertThat(e.details()).containsEntry("httpStatus", "503"); // the server's answer, not a timeout of our own
          });
      // Pauses of about 300 ms, then 600 ms: the third would pass the deadline, so the call ends before it.
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(timeout.plusSeconds(1)); // slack for a loaded machine
    }
    assertThat(server.log().size()).isBetween(2, 3);
  }

  @Test
  void resumeQueriesThePersistedSizeAndSendsOnlyWhatFollows() throws Exception {
    List<UploadState> checkpoints = new ArrayList<>();
    Upload first = storage.startUpload("a/resumed.bin", new UploadOptions("application/octet-stream", checkpoints::add));
    long size = CHUNK * 3L + 5;
    write(first, TestData.stream(8, CHUNK * 2L + 100)); // then the process dies
    UploadState saved = checkpoints.get(checkpoints.size() - 1);
    assertThat(saved.committedBytes()).isEqualTo(CHUNK * 2L);
    int before = server.log().size();

    try (GcsStorageProvider second = provider(NoCredentials.getInstance())) {
      Upload resumed = second.resumeUpload(saved, UploadOptions.of("application/octet-stream"));
      write(resumed, TestData.stream(8, size));
      assertThat(resumed.complete().size()).isEqualTo(size);
    }

    List<String> wire = server.log().subList(before, server.log().size());
    assertThat(wire.get(0)).isEqualTo("PUT session bytes */*");
    assertThat(wire).noneMatch(l -> l.startsWith("PUT session bytes 0-"));
    assertThat(wire).containsExactly("PUT session bytes */*", "PUT session bytes " + CHUNK * 2 + "-" + (CHUNK * 3 - 1) + "/*",
        "PUT session bytes " + CHUNK * 3 + "-" + (size - 1) + "/" + size);
    assertThat(TestData.sha256(storage.openRead(ReadRequest.whole("a/resumed.bin")))).isEqualTo(TestData.sha256(8, size));
  }

  @Test
  void resumeFailsWhenTheServerHoldsMoreThanTheCommittedOffset() throws Exception {
    List<UploadState> checkpoints = new ArrayList<>();
    Upload first = storage.startUpload("a/ahead.bin", new UploadOptions("application/octet-stream", checkpoints::add));
    write(first, TestData.stream(9, CHUNK * 2L + 1));
    // A crash after the server kept chunk 2 but before its checkpoint was saved:
    UploadState stale = checkpoints.stream().filter(s -> s.committedBytes() == CHUNK).findFirst().orElseThrow();

    assertThatThrownBy(() -> provider(NoCredentials.getInstance()).resumeUpload(stale, UploadOptions.of("application/octet-stream")))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
          assertThat(e.details()).containsEntry("persisted", Long.toString(CHUNK * 2L)).containsEntry("committed", Long.toString(CHUNK));
        });
    assertThat(storage.stat("a/ahead.bin")).isEmpty();
  }

  @Test
  void abortCancelsTheSessionSoItCanNeitherBeResumedNorFinished() throws Exception {
    List<UploadState> checkpoints = new ArrayList<>();
    Upload first = storage.startUpload("a/cancelled.bin", new UploadOptions("application/octet-stream", checkpoints::add));
    write(first, TestData.stream(10, CHUNK + 1));
    UploadState saved = checkpoints.get(checkpoints.size() - 1);

    storage.abortUpload(saved);
    storage.abortUpload(saved);

    assertThat(server.log()).contains("DELETE session -");
    assertThat(server.openSessions()).isZero();
    assertThatThrownBy(() -> storage.resumeUpload(saved, UploadOptions.of("application/octet-stream")))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThat(storage.stat("a/cancelled.bin")).isEmpty();
  }

  @Test
  void readPinnedToAReplacedGenerationFailsWithIntegrityMismatch() throws Exception {
    ObjectInfo first = put("a/pinned.bin", TestData.bytes(11, 5000));
    put("a/pinned.bin", TestData.bytes(12, 5000));

    assertThatThrownBy(() -> storage.openRead(ReadRequest.range("a/pinned.bin", 100, 10).pinnedTo(first.version())))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
  }

  @Test
  void interruptedDownloadResumesAtItsOffsetFromTheSameGeneration() throws Exception {
    byte[] data = TestData.bytes(13, 3 * CHUNK + 11);
    ObjectInfo info = put("a/download.bin", data);
    server.breakMediaResponses.set(2);
    int before = server.log().size();

    ArtifactInfo artifact = new ArtifactInfo("download.bin", data.length, Digests.sha256Hex(data), "application/octet-stream",
        Compression.NONE, Optional.empty());
    StorageArtifactSource source = new StorageArtifactSource(storage, List.of(artifact), a -> "a/" + a.name());
    try (InputStream in = source.openRaw("download.bin")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    // Three requests: the whole object, then twice from where the broken responses stopped.
    assertThat(server.log().subList(before, server.log().size()).stream().filter(l -> l.contains("?alt=media")).count()).isEqualTo(3);
    assertThat(info.version()).isPresent();
  }

  @Test
  void downloadInterruptedWhileTheObjectIsReplacedFailsInsteadOfMixingVersions() throws Exception {
    byte[] data = TestData.bytes(14, 2 * CHUNK);
    put("a/moving.bin", data);
    ArtifactInfo artifact = new ArtifactInfo("moving.bin", data.length, Digests.sha256Hex(data), "application/octet-stream",
        Compression.NONE, Optional.empty());
    StorageArtifactSource source = new StorageArtifactSource(storage, List.of(artifact), a -> "a/" + a.name());
    server.breakMediaResponses.set(1);

    InputStream in = source.openRaw("moving.bin");
    byte[] head = in.readNBytes(CHUNK / 2); // within the first, broken response
    assertThat(head).hasSize(CHUNK / 2);
    put("a/moving.bin", TestData.bytes(15, 2 * CHUNK)); // replaced before the reader resumes
    assertThatThrownBy(in::readAllBytes)
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
    // Closing tries to finish the check and fails the same way: the reader never sees a clean end.
    assertThatThrownBy(in::close)
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
  }

  @Test
  void rejectedCredentialsGiveStorageAuthFailedAndWriteNothing() throws Exception {
    server.requiredToken = "the-right-token";
    // Credentials that refresh, but only ever to a token the server rejects (a revoked key).
    Credentials wrong = new GoogleCredentials() {
      private static final long serialVersionUID = 1L;

      @Override
      public AccessToken refreshAccessToken() {
        return new AccessToken("a-wrong-token", Date.from(Instant.now().plusSeconds(3600)));
      }
    };
    try (GcsStorageProvider denied = provider(wrong)) {
      ProbeResult probe = denied.probe();
      assertThat(probe.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(probe.code()).as(probe.detail()).isEqualTo("STORAGE_AUTH_FAILED");
      assertThat(probe.detail()).doesNotContain("a-wrong-token");

      assertThatThrownBy(() -> denied.startUpload("a/denied.bin", UploadOptions.of("application/octet-stream")))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
            assertThat(e.details()).containsEntry("reason", "STORAGE_AUTH_FAILED");
            assertThat(e.getMessage()).doesNotContain("a-wrong-token");
          });
    }
    assertThat(server.openSessions()).isZero();
    assertThat(server.object(BUCKET, "p/a/denied.bin")).isEmpty();
  }

  @Test
  void rejectedStaticTokenGivesStorageAuthFailed() {
    server.requiredToken = "the-right-token";
    Credentials fixed = GoogleCredentials.create(new AccessToken("a-static-token", Date.from(Instant.now().plusSeconds(3600))));
    try (GcsStorageProvider denied = provider(fixed)) {
      assertThat(denied.probe().code()).isEqualTo("STORAGE_AUTH_FAILED");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void refusedWritesMakeTheProbeReportUnwritable() {
    assertThat(storage.probe().code()).isEqualTo("OK");
    server.forbidWrites = true;

    ProbeResult probe = storage.probe();

    assertThat(probe.status()).isEqualTo(ProbeStatus.DOWN);
    assertThat(probe.code()).isEqualTo("STORAGE_UNWRITABLE");
  }

  @Test
  void missingBucketGivesStorageBucketMissing() throws Exception {
    try (GcsStorageProvider missing = GcsStorageProvider.builder().storage(storage(NoCredentials.getInstance()))
        .bucket("no-such-bucket").build()) {
      assertThat(missing.probe().code()).isEqualTo("STORAGE_BUCKET_MISSING");
      assertThatThrownBy(() -> missing.startUpload("a/x.bin", UploadOptions.of("application/octet-stream")))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
            assertThat(e.details()).containsEntry("reason", "STORAGE_BUCKET_MISSING");
          });
    }
  }

  private GcsStorageProvider provider(Credentials credentials) {
    return GcsStorageProvider.builder()
        .storage(storage(credentials))
        .closeStorage(true)
        .bucket(BUCKET)
        .keyPrefix("p")
        .chunkSize(CHUNK)
        .maxAttempts(ATTEMPTS)
        .retryDelay(Duration.ofMillis(1))
        .build();
  }

  private com.google.cloud.storage.Storage storage(Credentials credentials) {
    return StorageOptions.http().setHost(server.endpoint()).setProjectId("proto")
        .setCredentials(credentials).build().getService();
  }

  private ObjectInfo put(String key, byte[] data) throws IOException {
    try (Upload u = storage.startUpload(key, UploadOptions.of("application/octet-stream"))) {
      u.write(data, 0, data.length);
      return u.complete();
    }
  }

  private static void write(Upload u, InputStream src) throws IOException {
    byte[] buf = new byte[64 * 1024];
    int n;
    try (src) {
      while ((n = src.read(buf)) >= 0) {
        u.write(buf, 0, n);
      }
    }
  }
}
