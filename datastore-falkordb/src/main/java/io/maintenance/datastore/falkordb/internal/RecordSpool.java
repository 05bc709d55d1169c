package io.maintenance.datastore.falkordb.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Records keyed by id, written in any order and read back by id: a temporary file of records and an
 * {@link IdMap} from id to offset, so that the heap stays flat. The exporter reads edges by ranges of
 * their source node (the only cheap way) and writes them in id order through this. Writes go through
 * a buffer, reads through a window of the file: records read by id mostly lie near each other
 * (a graph's edges of one source were mostly created together), and a system call per record cost
 * more than the rest of the export's client side.
 */
final class RecordSpool implements AutoCloseable {
  private static final int BUFFER = 1 << 20;

  private final FileChannel file;
  private final IdMap index;
  private final ByteBuffer out = ByteBuffer.allocate(BUFFER);
  private long end; // bytes written, buffered ones included
  private long maxId = -1;
  private ByteBuffer window = ByteBuffer.allocate(BUFFER);
  private long windowStart = -1;

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
    if (size > out.remaining()) {
      flush();
    }
    ByteBuffer b = size <= out.remaining() ? out : ByteBuffer.allocate(size);
    b.putInt(parts.length);
    for (byte[] p : parts) {
      b.putInt(p.length).put(p);
    }
    if (b != out) {
      write(b.flip(), end);
    }
    end += size;
    maxId = Math.max(maxId, id);
  }

  private void flush() throws IOException {
    out.flip();
    write(out, end - out.remaining());
    out.clear();
  }

  private void write(ByteBuffer b, long at) throws IOException {
    long pos = at;
    while (b.hasRemaining()) {
      pos += file.write(b, pos);
    }
  }

  long maxId() {
    return maxId;
  }

  /** The parts of the record of {@code id}, or null. */
  byte[][] get(long id) throws IOException {
    if (out.position() > 0) {
      flush();
    }
    long offset = index.get(id);
    if (offset < 0) {
      return null;
    }
    ByteBuffer b = at(offset, 4);
    int count = b.getInt();
    byte[][] parts = new byte[count][];
    long pos = offset + 4;
    for (int i = 0; i < count; i++) {
      int n = at(pos, 4).getInt();
      parts[i] = new byte[n];
      at(pos + 4, n).get(parts[i]);
      pos += 4 + n;
    }
    return parts;
  }

  /** The window positioned at {@code offset}, holding at least {@code n} bytes from there. */
  private ByteBuffer at(long offset, int n) throws IOException {
    if (windowStart < 0 || offset < windowStart || offset + n > windowStart + window.limit()) {
      if (n > window.capacity()) {
        window = ByteBuffer.allocate(n);
      }
      window.clear();
      long pos = offset;
      while (window.position() < n) {
        int r = file.read(window, pos);
        if (r < 0) {
          throw new IOException("the spool file ended early");
        }
        pos += r;
      }
      window.flip();
      windowStart = offset;
    }
    return window.position((int) (offset - windowStart));
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
