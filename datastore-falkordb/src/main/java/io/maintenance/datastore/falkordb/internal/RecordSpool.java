package io.maintenance.datastore.falkordb.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

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
    file = IdMap.tempFile(tempDir, "falkordb-records-");
    index = new IdMap(tempDir);
  }

  /** Stores the parts of one record. */
  void put(long id, byte[]... parts) throws IOException {
    index.put(id, end);
    int size = 4;
    for (byte[] p : parts) {
      size += 4 + p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(parts.length);
    for (byte[] p : parts) {
      b.putInt(p.length).put(p);
    }
    b.flip();
    while (b.hasRemaining()) {
      end += file.write(b, end);
    }
    maxId = Math.max(maxId, id);
  }

  long maxId() {
    return maxId;
  }

  /** The parts of the record of {@code id}, or null. */
  byte[][] get(long id) throws IOException {
    long offset = index.get(id);
    if (offset < 0) {
      return null;
    }
    byte[][] parts = new byte[readInt(offset)][];
    long at = offset + 4;
    for (int i = 0; i < parts.length; i++) {
      int n = readInt(at);
      ByteBuffer b = ByteBuffer.allocate(n);
      read(b, at + 4);
      parts[i] = b.array();
      at += 4 + n;
    }
    return parts;
  }

  private int readInt(long at) throws IOException {
    length.clear();
    read(length, at);
    return length.flip().getInt();
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
