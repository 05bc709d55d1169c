package io.maintenance.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * The behaviour every {@link StorageProvider} must show. Extend it in a test of your provider and
 * implement {@link #createProvider()}; run it against a real server where your storage is a server.
 *
 * <p>The large-object test writes more bytes than the JVM's maximum heap, so a provider that
 * buffers whole objects fails it: run contract tests with a small heap (e.g. {@code -Xmx256m}).
 */
public abstract class StorageProviderContract {
  private static final long MiB = 1024 * 1024;

  /** A root that isolates one test's keys from another's. */
  protected String root;

  protected StorageProvider storage;

  /**
   * Creates a provider over the same backing store every time it is called: the contract calls it
   * again to play a second process (resume after a crash).
   */
  protected abstract StorageProvider createProvider() throws Exception;

  /** Bytes for the large-object test; by default more than the maximum heap. */
  protected long largeObjectBytes() {
    return Runtime.getRuntime().maxMemory() + 64 * MiB;
  }

  @BeforeEach
  void openProvider() throws Exception {
    root = "tck-" + UUID.randomUUID();
    storage = createProvider();
  }

  @AfterEach
  void closeProvider() throws Exception {
    if (storage != null) {
      try (Stream<ObjectInfo> all = storage.list(root + "/")) {
        for (ObjectInfo o : all.collect(Collectors.toList())) {
          storage.delete(o.key());
        }
      }
      storage.close();
    }
  }

  protected String key(String name) {
    return root + "/" + name;
  }

  protected ObjectInfo put(String key, byte[] data) throws IOException {
    try (Upload u = storage.startUpload(key, UploadOptions.of("application/octet-stream"))) {
      u.write(data, 0, data.length);
      return u.complete();
    }
  }

  protected byte[] get(String key) throws IOException {
    try (InputStream in = storage.openRead(ReadRequest.whole(key))) {
      return in.readAllBytes();
    }
  }

  @Test
  public void smallObjectRoundTrips() throws Exception {
    byte[] data = TestData.bytes(1, 100_000);
    ObjectInfo info = put(key("small.bin"), data);

    assertThat(info.key()).isEqualTo(key("small.bin"));
    assertThat(info.size()).isEqualTo(data.length);
    assertThat(get(key("small.bin"))).isEqualTo(data);
    assertThat(storage.stat(key("small.bin"))).hasValueSatisfying(s -> assertThat(s.size()).isEqualTo(data.length));
  }

  @Test
  public void emptyObjectRoundTrips() throws Exception {
    put(key("empty.bin"), new byte[0]);

    assertThat(get(key("empty.bin"))).isEmpty();
    assertThat(storage.stat(key("empty.bin"))).hasValueSatisfying(s -> assertThat(s.size()).isZero());
  }

  @Test
  public void largeObjectStreamsWithBoundedMemory() throws Exception {
    long size = largeObjectBytes();
    byte[] buf = new byte[1024 * 1024];
    try (Upload u = storage.startUpload(key("large.bin"), UploadOptions.of("application/octet-stream"));
        InputStream src = TestData.stream(42, size)) {
      int n;
      while ((n = src.read(buf)) >= 0) {
        u.write(buf, 0, n);
      }
      assertThat(u.complete().size()).isEqualTo(size);
    }
    assertThat(TestData.sha256(storage.openRead(ReadRequest.whole(key("large.bin")))))
        .isEqualTo(TestData.sha256(42, size));
  }

  @Test
  public void rangedReadsReturnExactlyTheRange() throws Exception {
    byte[] data = TestData.bytes(7, 3 * 1024 * 1024 + 17);
    put(key("ranged.bin"), data);

    assertThat(read(ReadRequest.range(key("ranged.bin"), 1_000_000, 1234)))
        .isEqualTo(java.util.Arrays.copyOfRange(data, 1_000_000, 1_001_234));
    assertThat(read(new ReadRequest(key("ranged.bin"), 2_000_000, -1, Optional.empty())))
        .isEqualTo(java.util.Arrays.copyOfRange(data, 2_000_000, data.length));
    assertThat(read(ReadRequest.range(key("ranged.bin"), data.length - 5, 100)))
        .isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 5, data.length));
  }

  @Test
  public void readPinnedToAnOldVersionFailsAfterOverwrite() throws Exception {
    ObjectInfo first = put(key("versioned.bin"), TestData.bytes(1, 1000));
    put(key("versioned.bin"), TestData.bytes(2, 1000));
    assertThat(first.version()).as("every provider reports an object version to pin ranged reads to").isPresent();
    assertThatThrownBy(() -> read(ReadRequest.whole(key("versioned.bin")).pinnedTo(first.version())))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
  }

  @Test
  public void objectIsInvisibleUntilCompleteAndAbortLeavesNothing() throws Exception {
    byte[] data = TestData.bytes(3, 50_000);
    Upload u = storage.startUpload(key("pending.bin"), UploadOptions.of("application/octet-stream"));
    u.write(data, 0, data.length);
    assertThat(storage.stat(key("pending.bin"))).isEmpty();
    u.abort();
    u.abort(); // idempotent
    assertThat(storage.stat(key("pending.bin"))).isEmpty();
    assertThatThrownBy(() -> get(key("pending.bin"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  public void abortedOverwriteKeepsThePreviousObject() throws Exception {
    byte[] old = TestData.bytes(4, 10_000);
    put(key("keep.bin"), old);
    try (Upload u = storage.startUpload(key("keep.bin"), UploadOptions.of("application/octet-stream"))) {
      byte[] replacement = TestData.bytes(5, 20_000);
      u.write(replacement, 0, replacement.length);
      // closed without complete(): aborted
    }
    assertThat(get(key("keep.bin"))).isEqualTo(old);
  }

  @Test
  public void uploadResumesInAnotherProcessFromItsLastCheckpoint() throws Exception {
    AtomicReference<UploadState> checkpoint = new AtomicReference<>();
    Upload first = storage.startUpload(key("resumed.bin"), new UploadOptions("application/octet-stream", checkpoint::set));
    long chunk = first.state().chunkSize();
    long size = chunk * 2 + chunk / 2 + 3;
    writeFrom(first, TestData.stream(9, chunk * 2 + chunk / 3)); // then the process "crashes"
    UploadState saved = awaitCheckpoint(checkpoint, chunk);
    assertThat(saved).as("a checkpoint after the first full chunks").isNotNull();
    assertThat(saved.committedBytes()).isGreaterThanOrEqualTo(chunk);
    assertThat(storage.stat(key("resumed.bin"))).isEmpty();

    try (StorageProvider second = createProvider()) {
      Upload resumed = second.resumeUpload(saved, UploadOptions.of("application/octet-stream"));
      assertThat(resumed.committedBytes()).isEqualTo(saved.committedBytes());
      writeFrom(resumed, TestData.stream(9, size)); // the source restarts; committed bytes are checked, not re-sent
      assertThat(resumed.complete().size()).isEqualTo(size);
    }
    assertThat(TestData.sha256(storage.openRead(ReadRequest.whole(key("resumed.bin"))))).isEqualTo(TestData.sha256(9, size));
  }

  @Test
  public void resumeWithADifferentSourceFailsWithIntegrityMismatch() throws Exception {
    AtomicReference<UploadState> checkpoint = new AtomicReference<>();
    Upload first = storage.startUpload(key("mismatch.bin"), new UploadOptions("application/octet-stream", checkpoint::set));
    long chunk = first.state().chunkSize();
    writeFrom(first, TestData.stream(11, chunk + chunk / 2));
    UploadState saved = awaitCheckpoint(checkpoint, chunk);
    assertThat(saved.committedBytes()).isGreaterThanOrEqualTo(chunk);

    try (StorageProvider second = createProvider()) {
      Upload resumed = second.resumeUpload(saved, UploadOptions.of("application/octet-stream"));
      assertThatThrownBy(() -> writeFrom(resumed, TestData.stream(12, chunk * 2)))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
      resumed.abort();
    }
    assertThat(storage.stat(key("mismatch.bin"))).isEmpty();
  }

  @Test
  public void abandonedUploadCanBeAbortedFromItsState() throws Exception {
    AtomicReference<UploadState> checkpoint = new AtomicReference<>();
    Upload first = storage.startUpload(key("abandoned.bin"), new UploadOptions("application/octet-stream", checkpoint::set));
    writeFrom(first, TestData.stream(13, first.state().chunkSize() + 10));
    UploadState saved = awaitCheckpoint(checkpoint, first.state().chunkSize());

    try (StorageProvider sweeper = createProvider()) {
      sweeper.abortUpload(saved);
      sweeper.abortUpload(saved); // idempotent
    }
    assertThat(storage.stat(key("abandoned.bin"))).isEmpty();
  }

  @Test
  public void listReturnsKeysUnderAPrefixInOrder() throws Exception {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String k = key(String.format("list/a/%03d", i));
      put(k, new byte[] {(byte) i});
      expected.add(k);
    }
    put(key("list/ab/x"), new byte[] {1});
    put(key("list/b/y"), new byte[] {2});

    try (Stream<ObjectInfo> listed = storage.list(key("list/a/"))) {
      assertThat(listed.map(ObjectInfo::key)).containsExactlyElementsOf(expected);
    }
    try (Stream<ObjectInfo> listed = storage.list(key("list/"))) {
      assertThat(listed.count()).isEqualTo(27);
    }
    try (Stream<ObjectInfo> listed = storage.list(key("list/none/"))) {
      assertThat(listed.count()).isZero();
    }
  }

  @Test
  public void deleteRemovesAnObjectOnce() throws Exception {
    put(key("gone.bin"), new byte[] {1, 2, 3});

    assertThat(storage.delete(key("gone.bin"))).isTrue();
    assertThat(storage.delete(key("gone.bin"))).isFalse();
    assertThat(storage.stat(key("gone.bin"))).isEmpty();
    assertThatThrownBy(() -> get(key("gone.bin"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  public void unsafeKeysAreRejectedBeforeTouchingStorage() {
    List<String> bad = List.of("../escape", root + "/../x", "/absolute", root + "//double", root + "/a\u0000b",
        root + "/tab\tname", root + "\\back", root + "/.", "");
    for (String k : bad) {
      for (ThrowingConsumer<String> op : List.<ThrowingConsumer<String>>of(
          x -> storage.startUpload(x, UploadOptions.of("application/octet-stream")),
          x -> storage.openRead(ReadRequest.whole(x)),
          x -> storage.stat(x),
          x -> storage.delete(x))) {
        assertThatThrownBy(() -> op.accept(k))
            .as("key %s", k.replaceAll("\\p{Cntrl}", "?"))
            .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
      }
    }
  }

  @Test
  public void probeReportsUp() {
    assertThat(storage.probe().status()).isEqualTo(ProbeStatus.UP);
    assertThat(storage.probe().code()).isEqualTo("OK");
  }

  /**
   * The newest checkpoint covering at least {@code bytes}. Providers that commit chunks in parallel
   * report a checkpoint when a chunk becomes durable, which may be shortly after write() returned.
   */
  private static UploadState awaitCheckpoint(AtomicReference<UploadState> ref, long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (true) {
      UploadState s = ref.get();
      if ((s != null && s.committedBytes() >= bytes) || System.nanoTime() > deadline) {
        return s;
      }
      Thread.sleep(10);
    }
  }

  private byte[] read(ReadRequest r) throws IOException {
    try (InputStream in = storage.openRead(r)) {
      return in.readAllBytes();
    }
  }

  private static void writeFrom(Upload u, InputStream src) throws IOException {
    byte[] buf = new byte[256 * 1024];
    int n;
    try (src) {
      while ((n = src.read(buf)) >= 0) {
        u.write(buf, 0, n);
      }
    }
  }
}
