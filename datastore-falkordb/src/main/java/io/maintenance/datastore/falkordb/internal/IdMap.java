package io.maintenance.datastore.falkordb.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps the node ids of an artifact to the ids the restored nodes got, in a memory-mapped sparse
 * temporary file indexed by old id, so the heap stays flat whatever the graph size (the page cache
 * holds the touched pages). The file is deleted at once; it lives until {@link #close()} and GC.
 */
public final class IdMap implements AutoCloseable {
  private static final int SEGMENT_BITS = 24; // 16 Mi entries = 128 MiB of file per segment
  private static final long SEGMENT_MASK = (1L << SEGMENT_BITS) - 1;

  private final FileChannel channel;
  private final List<LongBuffer> segments = new ArrayList<>();
  private long size;

  public IdMap(Path tempDir) {
    channel = tempFile(tempDir, "falkordb-ids-");
  }

  /** A temporary file that is unlinked at once (it lives until its channel is closed). */
  static FileChannel tempFile(Path tempDir, String prefix) {
    try {
      Files.createDirectories(tempDir);
      Path file = Files.createTempFile(tempDir, prefix, ".tmp");
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
      Files.deleteIfExists(file);
      return channel;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary file in " + tempDir, e);
    }
  }

  /** Records that {@code oldId} became {@code newId} (both non-negative). */
  public void put(long oldId, long newId) {
    segment(oldId, true).put((int) (oldId & SEGMENT_MASK), newId + 1);
    size++;
  }

  /** The new id of {@code oldId}, or -1 if it was never put. */
  public long get(long oldId) {
    LongBuffer s = segment(oldId, false);
    return s == null ? -1 : s.get((int) (oldId & SEGMENT_MASK)) - 1;
  }

  public boolean contains(long oldId) {
    return get(oldId) >= 0;
  }

  public long size() {
    return size;
  }

  private LongBuffer segment(long oldId, boolean create) {
    int index = (int) (oldId >>> SEGMENT_BITS);
    while (segments.size() <= index) {
      segments.add(null);
    }
    LongBuffer s = segments.get(index);
    if (s == null && create) {
      try {
        long bytes = 8L << SEGMENT_BITS;
        s = channel.map(FileChannel.MapMode.READ_WRITE, index * bytes, bytes).order(ByteOrder.nativeOrder()).asLongBuffer();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot map the node id map", e);
      }
      segments.set(index, s);
    }
    return s;
  }

  @Override
  public void close() {
    segments.clear();
    try {
      channel.close();
    } catch (IOException e) {
      // the file is already unlinked
    }
  }
}
