package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.tck.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.maintenance.storage.s3.internal.Checksums;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Part;

/** Multipart uploads against versitygw, which verifies CRC32C like AWS (400 BadDigest) and keeps the multipart lifecycle. */
class S3UploadIT {
  private static final S3Server SERVER = S3Server.versitygw();
  private static final int PART = 5 * 1024 * 1024;

  private final RecordingInterceptor recorder = new RecordingInterceptor();
  private S3Client client;
  private S3Client raw;
  private S3StorageProvider storage;
  private String prefix;

  @BeforeAll
  static void bucket() {
    SERVER.ensureBucket(S3Server.BUCKET);
  }

  @BeforeEach
  void open() {
    prefix = "upload-it/" + UUID.randomUUID();
    client = SERVER.client(recorder);
    raw = SERVER.client();
    storage = SERVER.provider(client, S3Server.BUCKET, prefix).build();
  }

  @AfterEach
  void close() {
    storage.close();
    client.close();
    raw.close();
  }

  @Test
  void smallObjectIsWrittenWithOnePutAndNoMultipartUpload() throws IOException {
    byte[] data = TestData.bytes(1, 100_000);

    ObjectInfo info = put("small.bin", data, "application/json");

    assertThat(recorder.sent()).extracting(RecordingInterceptor.Sent::operation).containsExactly("PutObject", "HeadObject");
    assertThat(info.size()).isEqualTo(data.length);
    assertThat(raw.headObject(b -> b.bucket(S3Server.BUCKET).key(prefix + "/small.bin")).contentType()).isEqualTo("application/json");
    assertThat(read("small.bin")).isEqualTo(data);
  }

  @Test
  void multipartUploadRecordsUploadIdAndEveryPartsEtagAndCrc32cForAnotherProcess() throws IOException {
    AtomicReference<UploadState> checkpoint = new AtomicReference<>();
    Upload u = storage.startUpload("parts.bin", new UploadOptions("application/octet-stream", checkpoint::set));
    write(u, TestData.stream(2, 3L * PART + 10));
    UploadState state = checkpoint.get();

    Map<String, String> a = state.attributes();
    assertThat(a).containsEntry("bucket", S3Server.BUCKET).containsEntry("objectKey", prefix + "/parts.bin")
        .containsEntry("checksum", "crc32c").containsKey("uploadId");
    List<Part> held = raw.listParts(b -> b.bucket(S3Server.BUCKET).key(prefix + "/parts.bin").uploadId(a.get("uploadId"))).parts();
    for (int n = 1; n <= state.chunkCrc32c().size(); n++) {
      int partNumber = n;
      Part part = held.stream().filter(p -> p.partNumber() == partNumber).findFirst().orElseThrow();
      assertThat(part.eTag().replace("\"", "")).isEqualTo(a.get("etag." + n));
      assertThat(part.checksumCRC32C()).as("the server verified and kept the CRC32C we sent").isEqualTo(a.get("crc32c." + n))
          .isEqualTo(crc32c(TestData.stream(2, 3L * PART + 10), (long) (n - 1) * PART, PART));
    }
    assertThat(u.complete().size()).isEqualTo(3L * PART + 10);
  }

  @Test
  void uploadIdIsCheckpointedBeforeAnyPartIsSent() throws IOException {
    List<String> events = new ArrayList<>();
    ExecutionInterceptor ordering = new ExecutionInterceptor() {
      @Override
      public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        synchronized (events) {
          events.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        }
      }
    };
    try (S3Client c = SERVER.client(ordering); S3StorageProvider s = SERVER.provider(c, S3Server.BUCKET, prefix).build()) {
      Upload u = s.startUpload("ordered.bin", new UploadOptions("application/octet-stream", st -> {
        synchronized (events) {
          events.add("checkpoint " + st.attributes().containsKey("uploadId") + " " + st.chunkCrc32c().size());
        }
      }));
      write(u, TestData.stream(3, 2L * PART + 1));
      u.complete();
    }
    assertThat(events.subList(0, 4)).containsExactly("CreateMultipartUpload", "checkpoint true 0", "UploadPart", "checkpoint true 1");
  }

  @Test
  void partCorruptedInTransitIsSentAgainAndTheObjectIsIntact() throws IOException {
    recorder.corruptWhen((op, part) -> op.equals("UploadPart") && part == 2 && recorder.corruptions("UploadPart") == 0);

    put("healed.bin", TestData.stream(4, 3L * PART));

    assertThat(recorder.corruptions("UploadPart")).isEqualTo(1);
    assertThat(recorder.sent("UploadPart").stream().filter(s -> s.partNumber() == 2)).hasSize(2);
    assertThat(TestData.sha256(storage.openRead(ReadRequest.whole("healed.bin")))).isEqualTo(TestData.sha256(4, 3L * PART));
  }

  @Test
  void partRejectedForItsChecksumEveryTimeFailsClearlyAndLeavesNothing() throws IOException {
    recorder.corruptWhen((op, part) -> op.equals("UploadPart") && part == 2);
    Upload u = storage.startUpload("rejected.bin", UploadOptions.of("application/octet-stream"));

    assertThatThrownBy(() -> {
      write(u, TestData.stream(5, 3L * PART));
      u.complete();
    }).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
      assertThat(e.getMessage()).contains("part 2").contains("rejected.bin").contains("3 times").contains("BadDigest");
      assertThat(e.details()).containsEntry("attempts", "3").containsEntry("s3Code", "BadDigest");
    });
    u.close();

    assertThat(recorder.sent("UploadPart").stream().filter(s -> s.partNumber() == 2)).hasSize(3);
    assertThat(storage.stat("rejected.bin")).isEmpty();
    assertThat(SERVER.openUploads(S3Server.BUCKET, prefix + "/")).as("the multipart upload was aborted").isEmpty();
  }

  @Test
  void smallObjectRejectedForItsChecksumEveryTimeFailsClearlyAndLeavesNothing() throws IOException {
    recorder.corruptWhen((op, part) -> op.equals("PutObject"));

    assertThatThrownBy(() -> put("small-rejected.bin", TestData.bytes(6, 1000), "application/octet-stream"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));

    assertThat(recorder.sent("PutObject")).hasSize(3);
    assertThat(storage.stat("small-rejected.bin")).isEmpty();
  }

  @Test
  void resumeAfterTheSweeperAbortedTheUploadFailsClearly() throws IOException {
    UploadState saved = interruptedUpload("swept.bin", 7);
    storage.abortUpload(saved);

    assertThatThrownBy(() -> storage.resumeUpload(saved, UploadOptions.of("application/octet-stream")))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
          assertThat(e.details()).containsEntry("reason", "UPLOAD_SESSION_GONE");
        });
    assertThat(storage.stat("swept.bin")).isEmpty();
  }

  @Test
  void sweeperConfiguredWithAnotherPrefixAbortsTheUploadAtItsRecordedKey() throws IOException {
    UploadState saved = interruptedUpload("moved.bin", 12);

    try (S3StorageProvider sweeper = SERVER.provider(client, S3Server.BUCKET, "another/prefix").build()) {
      sweeper.abortUpload(saved);
    }

    assertThat(SERVER.openUploads(S3Server.BUCKET, prefix + "/")).isEmpty();
  }

  @Test
  void resumeFailsWithIntegrityMismatchWhenACommittedPartWasReplacedOnTheServer() throws IOException {
    UploadState saved = interruptedUpload("replaced.bin", 8);
    byte[] other = TestData.bytes(99, PART);
    raw.uploadPart(b -> b.bucket(S3Server.BUCKET).key(prefix + "/replaced.bin").uploadId(saved.attributes().get("uploadId"))
        .partNumber(1).checksumCRC32C(Checksums.crc32c(other, 0, other.length)),
        RequestBody.fromBytes(other));

    assertThatThrownBy(() -> storage.resumeUpload(saved, UploadOptions.of("application/octet-stream")))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
          assertThat(e.getMessage()).contains("part 1");
        });
    storage.abortUpload(saved);
    assertThat(storage.stat("replaced.bin")).isEmpty();
    assertThat(SERVER.openUploads(S3Server.BUCKET, prefix + "/")).isEmpty();
  }

  @Test
  void resumedUploadWhoseSourceDiffersLeavesNoObjectAndNoMultipartUpload() throws IOException {
    UploadState saved = interruptedUpload("differs.bin", 9);

    Upload resumed = storage.resumeUpload(saved, UploadOptions.of("application/octet-stream"));
    assertThatThrownBy(() -> write(resumed, TestData.stream(10, 3L * PART)))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
    resumed.close();

    assertThat(storage.stat("differs.bin")).isEmpty();
    assertThat(SERVER.openUploads(S3Server.BUCKET, prefix + "/")).isEmpty();
  }

  @Test
  void resumeWithAStateFromAnotherBucketOrPrefixIsRejectedWithoutTouchingIt() throws IOException {
    UploadState saved = interruptedUpload("elsewhere.bin", 11);
    recorder.clear();

    try (S3StorageProvider otherPrefix = SERVER.provider(client, S3Server.BUCKET, prefix + "-other").build()) {
      assertThatThrownBy(() -> otherPrefix.resumeUpload(saved, UploadOptions.of("application/octet-stream")))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }
    assertThat(recorder.sent()).isEmpty();
    assertThat(SERVER.openUploads(S3Server.BUCKET, prefix + "/")).containsExactly(prefix + "/elsewhere.bin");
    storage.abortUpload(saved);
  }

  /** Starts an upload, sends two parts and "crashes", returning the last checkpoint. */
  private UploadState interruptedUpload(String key, long seed) throws IOException {
    AtomicReference<UploadState> checkpoint = new AtomicReference<>();
    try (S3StorageProvider first = SERVER.provider(client, S3Server.BUCKET, prefix).parallelism(1).build()) {
      Upload u = first.startUpload(key, new UploadOptions("application/octet-stream", checkpoint::set));
      write(u, TestData.stream(seed, 2L * PART + 100));
      // no close(): the process dies here
    }
    assertThat(checkpoint.get().committedBytes()).isEqualTo(2L * PART);
    return checkpoint.get();
  }

  private ObjectInfo put(String key, byte[] data, String contentType) throws IOException {
    try (Upload u = storage.startUpload(key, UploadOptions.of(contentType))) {
      u.write(data, 0, data.length);
      return u.complete();
    }
  }

  private ObjectInfo put(String key, InputStream data) throws IOException {
    try (Upload u = storage.startUpload(key, UploadOptions.of("application/octet-stream"))) {
      write(u, data);
      return u.complete();
    }
  }

  private byte[] read(String key) throws IOException {
    try (InputStream in = storage.openRead(ReadRequest.whole(key))) {
      return in.readAllBytes();
    }
  }

  private static void write(Upload u, InputStream src) throws IOException {
    byte[] buf = new byte[256 * 1024];
    int n;
    try (src) {
      while ((n = src.read(buf)) >= 0) {
        u.write(buf, 0, n);
      }
    }
  }

  /** CRC32C of a slice of a stream, computed independently of the provider's code. */
  private static String crc32c(InputStream src, long offset, int length) throws IOException {
    try (src) {
      src.skipNBytes(offset);
      CRC32C crc = new CRC32C();
      crc.update(src.readNBytes(length));
      return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
  }
}
