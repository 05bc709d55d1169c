package io.maintenance.datastore.falkordb.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Records keyed by id, written in any order and read back by id: a temporary file of records and an
 * {@link IdMap} from id to offset, so that the heap stays flat. The exporter reads edges by ranges of
 * their source node (the only cheap way) and writes them in id order through this.
 */
final class RecordSpool implements AutoCloseable {
  private final FileChannel file;
  private final IdMap index;
  private long end;
  private long maxId = -1;
  private final ByteBuffer length = ByteBuffer.allocate(4);

  RecordSpool(Path tempDir) {
    try {
      Files.createDirectories(tempDir);
      Path path = Files.createTempFile(tempDir, "falkordb-records-", ".spool");
      file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a spool file in " + tempDir, e);
    }
    index = new IdMap(tempDir);
  }

  void put(long id, byte[] record) throws IOException {
    index.put(id, end);
    ByteBuffer b = ByteBuffer.allocate(4 + record.length);
    b.putInt(record.length).put(record).flip();
    while (b.hasRemaining()) {
      end += file.write(b, end);
    }
    maxId = Math.max(maxId, id);
  }

  long maxId() {
    return maxId;
  }

  /** The record of {@code id}, or null. */
  byte[] get(long id) throws IOException {
    long offset = index.get(id);
    if (offset < 0) {
      return null;
    }
    length.clear();
    read(length, offset);
    ByteBuffer b = ByteBuffer.allocate(length.flip().getInt());
    read(b, offset + 4);
    return b.array();
  }

  private void read(ByteBuffer b, long at) throws IOException {
    long pos = at;
    while (b.hasRemaining()) {
      int n = file.read(b, pos);
      if (n < 0) {
        throw new IOException("the spool file ended early");
      }
      pos += n;
    }
  }

  @Override
  public void close() {
    index.close();
    try {
      file.close();
    } catch (IOException e) {
      // already unlinked
    }
  }
}
