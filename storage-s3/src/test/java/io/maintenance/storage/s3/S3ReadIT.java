package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.tck.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Downloads against versitygw (which answers If-Match with 412 like AWS), with the connection broken
 * mid-stream by the test the way a network would.
 */
class S3ReadIT {
  private static final S3Server SERVER = S3Server.versitygw();
  private static final int SIZE = 3 * 1024 * 1024 + 5;

  private final RecordingInterceptor recorder = new RecordingInterceptor();
  private S3Client client;
  private S3StorageProvider storage;

  @BeforeAll
  static void bucket() {
    SERVER.ensureBucket(S3Server.BUCKET);
  }

  @BeforeEach
  void open() {
    client = SERVER.client(recorder);
    storage = SERVER.provider(client, S3Server.BUCKET, "read-it/" + UUID.randomUUID()).maxAttempts(3).build();
  }

  @AfterEach
  void close() {
    storage.close();
    client.close();
  }

  @Test
  void interruptedDownloadContinuesFromItsOffsetPinnedToTheSameVersion() throws IOException {
    ObjectInfo info = put("resume.bin", TestData.bytes(1, SIZE));
    recorder.breakDownloads(1, 1_000_000, () -> {});
    recorder.clear();

    byte[] read;
    try (InputStream in = storage.openRead(ReadRequest.whole("resume.bin"))) {
      read = in.readAllBytes();
    }

    assertThat(read).isEqualTo(TestData.bytes(1, SIZE));
    List<RecordingInterceptor.Sent> gets = recorder.sent("GetObject");
    assertThat(gets).hasSize(2);
    assertThat(gets.get(0).range()).isEmpty();
    assertThat(gets.get(1).range()).contains("bytes=1000000-");
    assertThat(gets.get(1).ifMatch()).contains("\"" + info.version().orElseThrow() + "\"");
  }

  @Test
  void interruptedRangedDownloadContinuesWithinItsRange() throws IOException {
    put("range.bin", TestData.bytes(2, SIZE));
    recorder.breakDownloads(1, 100_000, () -> {});
    recorder.clear();

    byte[] read;
    try (InputStream in = storage.openRead(ReadRequest.range("range.bin", 1_000_000, 300_000))) {
      read = in.readAllBytes();
    }

    assertThat(read).isEqualTo(Arrays.copyOfRange(TestData.bytes(2, SIZE), 1_000_000, 1_300_000));
    assertThat(recorder.sent("GetObject")).extracting(s -> s.range().orElse(""))
        .containsExactly("bytes=1000000-1299999", "bytes=1100000-1299999");
  }

  @Test
  void downloadFailsWithIntegrityMismatchWhenTheObjectIsReplacedBeforeItContinues() throws IOException {
    put("replaced.bin", TestData.bytes(3, SIZE));
    recorder.breakDownloads(1, 1_000_000, () -> {
      try (S3Client c = SERVER.client(); S3StorageProvider writer = SERVER.provider(c, S3Server.BUCKET, storage.keyPrefix()).build()) {
        put(writer, "replaced.bin", TestData.bytes(4, SIZE));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });

    assertThatThrownBy(() -> {
      try (InputStream in = storage.openRead(ReadRequest.whole("replaced.bin"))) {
        in.readAllBytes();
      }
    }).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
      assertThat(e.getMessage()).contains("replaced.bin").contains("changed");
    });
  }

  @Test
  void downloadGivesUpAfterMaxAttemptsWithoutProgress() throws IOException {
    put("flaky.bin", TestData.bytes(5, SIZE));
    recorder.breakDownloads(10, 0, () -> {});

    assertThatThrownBy(() -> {
      try (InputStream in = storage.openRead(ReadRequest.whole("flaky.bin"))) {
        in.readAllBytes();
      }
    }).isInstanceOf(IOException.class).hasMessageContaining("after 3 attempts");
  }

  @Test
  void readPinnedToTheCurrentVersionSucceeds() throws IOException {
    ObjectInfo info = put("current.bin", TestData.bytes(6, 1000));

    try (InputStream in = storage.openRead(ReadRequest.whole("current.bin").pinnedTo(info.version()))) {
      assertThat(in.readAllBytes()).isEqualTo(TestData.bytes(6, 1000));
    }
    assertThat(storage.stat("current.bin")).hasValueSatisfying(s -> assertThat(s.version()).isEqualTo(info.version()));
  }

  @Test
  void openingAMissingObjectFailsAtOnceWithNoSuchFile() {
    assertThatThrownBy(() -> storage.openRead(ReadRequest.whole("missing.bin"))).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> storage.openRead(ReadRequest.range("missing.bin", 0, 0))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void rangesAtOrPastTheEndAreEmpty() throws IOException {
    put("short.bin", TestData.bytes(7, 100));

    for (ReadRequest r : List.of(ReadRequest.range("short.bin", 100, 10), new ReadRequest("short.bin", 500, -1, Optional.empty()),
        ReadRequest.range("short.bin", 50, 0))) {
      try (InputStream in = storage.openRead(r)) {
        assertThat(in.readAllBytes()).isEmpty();
      }
    }
  }

  private ObjectInfo put(String key, byte[] data) throws IOException {
    return put(storage, key, data);
  }

  private static ObjectInfo put(S3StorageProvider s, String key, byte[] data) throws IOException {
    try (Upload u = s.startUpload(key, UploadOptions.of("application/octet-stream"))) {
      u.write(data, 0, data.length);
      return u.complete();
    }
  }
}
