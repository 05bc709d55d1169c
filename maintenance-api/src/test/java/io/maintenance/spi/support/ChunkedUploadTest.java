package io.maintenance.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChunkedUploadTest {
  private static final int CHUNK = 1000;
  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** Chunks land in a map by index, out of order when parallel; finish() assembles them. */
  class MapUpload extends ChunkedUpload {
    final Map<Integer, byte[]> chunks;
    final int parallelism;
    volatile int failAt = -1;
    byte[] result;
    boolean discarded;

    MapUpload(Map<Integer, byte[]> chunks, int parallelism, UploadOptions options, Optional<UploadState> resume) {
      super("map", "a/b", CHUNK, options, resume);
      this.chunks = chunks;
      this.parallelism = parallelism;
    }

    @Override
    protected int parallelism() {
      return parallelism;
    }

    @Override
    protected java.util.concurrent.Executor executor() {
      return pool;
    }

    @Override
    protected void commitChunk(int index, long offset, byte[] data, int length, boolean last) throws IOException {
      if (index == failAt) {
        throw new IOException("chunk " + index + " rejected");
      }
      try {
        Thread.sleep(new Random(index).nextInt(5)); // finish out of order
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      chunks.put(index, java.util.Arrays.copyOf(data, length));
    }

    @Override
    protected ObjectInfo finish(long totalBytes) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = 0; i < chunks.size(); i++) {
        out.writeBytes(chunks.get(i));
      }
      result = out.toByteArray();
      return new ObjectInfo(key(), totalBytes, Instant.now(), Optional.of("1"));
    }

    @Override
    protected void discard() {
      discarded = true;
    }
  }

  private static byte[] data(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void parallelChunksAssembleInOrderAndCheckpointsOnlyGrow() throws Exception {
    List<Long> checkpoints = Collections.synchronizedList(new ArrayList<>());
    MapUpload u = new MapUpload(new ConcurrentHashMap<>(), 4,
        new UploadOptions("x", s -> checkpoints.add(s.committedBytes())), Optional.empty());
    byte[] src = data(CHUNK * 37 + 123, 1);
    for (int off = 0; off < src.length; off += 333) {
      u.write(src, off, Math.min(333, src.length - off));
    }
    u.complete();

    assertThat(u.result).isEqualTo(src);
    assertThat(checkpoints).isSorted();
    assertThat(checkpoints.get(checkpoints.size() - 1)).isEqualTo(CHUNK * 37L);
  }

  @Test
  void aFailedParallelChunkFailsTheWriteAndAbortWaitsForTheRest() throws Exception {
    MapUpload u = new MapUpload(new ConcurrentHashMap<>(), 3, UploadOptions.of("x"), Optional.empty());
    u.failAt = 5;
    byte[] src = data(CHUNK * 20, 2);

    assertThatThrownBy(() -> {
      u.write(src, 0, src.length);
      u.complete();
    }).isInstanceOf(IOException.class).hasMessageContaining("chunk 5 rejected");
    u.abort();
    assertThat(u.discarded).isTrue();
  }

  @Test
  void resumeChecksTheReplayedPrefixAndSendsOnlyTheRest() throws Exception {
    Map<Integer, byte[]> store = new ConcurrentHashMap<>();
    List<UploadState> states = Collections.synchronizedList(new ArrayList<>());
    MapUpload first = new MapUpload(store, 1, new UploadOptions("x", states::add), Optional.empty());
    byte[] src = data(CHUNK * 5 + 7, 3);
    first.write(src, 0, CHUNK * 3 + 10);
    UploadState saved = states.get(states.size() - 1);
    assertThat(saved.committedBytes()).isEqualTo(CHUNK * 3L);
    assertThat(saved.chunkCrc32c()).allSatisfy(d -> assertThat(d).matches("[0-9a-f]{8}"));

    List<Integer> sentAfterResume = Collections.synchronizedList(new ArrayList<>());
    MapUpload resumed = new MapUpload(store, 1, UploadOptions.of("x"), Optional.of(saved)) {
      @Override
      protected void commitChunk(int index, long offset, byte[] d, int length, boolean last) throws IOException {
        sentAfterResume.add(index);
        super.commitChunk(index, offset, d, length, last);
      }
    };
    resumed.write(src, 0, src.length);
    resumed.complete();

    assertThat(resumed.result).isEqualTo(src);
    assertThat(sentAfterResume).containsExactly(3, 4, 5);
  }

  @Test
  void resumeWithAShorterOrDifferentSourceIsAnIntegrityMismatch() throws Exception {
    Map<Integer, byte[]> store = new ConcurrentHashMap<>();
    List<UploadState> states = new ArrayList<>();
    MapUpload first = new MapUpload(store, 1, new UploadOptions("x", states::add), Optional.empty());
    byte[] src = data(CHUNK * 3, 4);
    first.write(src, 0, CHUNK * 2 + 1);
    UploadState saved = states.get(states.size() - 1);

    MapUpload shorter = new MapUpload(store, 1, UploadOptions.of("x"), Optional.of(saved));
    shorter.write(src, 0, CHUNK);
    assertThatThrownBy(shorter::complete).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));

    byte[] other = src.clone();
    other[CHUNK + 5] ^= 1;
    MapUpload different = new MapUpload(store, 1, UploadOptions.of("x"), Optional.of(saved));
    assertThatThrownBy(() -> different.write(other, 0, other.length)).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.getMessage()).contains("chunk 1"));
  }

  @Test
  void emptyObjectIsOneEmptyLastChunk() throws Exception {
    MapUpload u = new MapUpload(new ConcurrentHashMap<>(), 1, UploadOptions.of("x"), Optional.empty());
    u.complete();
    assertThat(u.result).isEmpty();
    assertThat(u.chunks).containsOnlyKeys(0);
  }

  @Test
  void aCheckpointThatCannotBeRecordedFailsTheUploadInsteadOfLeavingAWaiter() throws Exception {
    for (int parallelism : new int[] {1, 4}) {
      java.util.concurrent.atomic.AtomicInteger checkpoints = new java.util.concurrent.atomic.AtomicInteger();
      UploadOptions options = new UploadOptions("x", s -> {
        if (checkpoints.incrementAndGet() == 2) {
          throw new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE, "catalog database unavailable");
        }
      });
      MapUpload u = new MapUpload(new ConcurrentHashMap<>(), parallelism, options, Optional.empty());
      byte[] data = new byte[CHUNK * 20];
      java.util.concurrent.Future<?> writer = Executors.newSingleThreadExecutor().submit(() -> {
        u.write(data, 0, data.length);
        return u.complete();
      });

      assertThatThrownBy(() -> writer.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("parallelism " + parallelism)
          .hasCauseInstanceOf(MaintenanceException.class).hasMessageContaining("catalog database unavailable");
      u.abort();
      assertThat(u.discarded).isTrue();
    }
  }
}
