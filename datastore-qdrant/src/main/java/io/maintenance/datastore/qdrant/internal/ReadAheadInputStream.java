package io.maintenance.datastore.qdrant.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads its source on a background thread into a few fixed-size blocks, so that reading (network or
 * storage I/O, hashing in a verifying source) overlaps with what the consumer does with the bytes
 * (hashing into storage, writing to a socket). Memory is bounded by {@code blockSize × (depth + 2)}.
 * A failure of the source, checked or unchecked, is rethrown to the consumer where the stream broke.
 */
final class ReadAheadInputStream extends InputStream {
  private static final byte[] END = new byte[0];

  private final InputStream source;
  private final BlockingQueue<Object> queue;
  private final Thread reader;
  private byte[] current;
  private int currentLength;
  private int pos;
  private boolean ended;
  private volatile boolean closed;

  /** A filled block: the array and how many bytes of it are data. */
  private record Block(byte[] data, int length) {}

  ReadAheadInputStream(InputStream source, int blockSize, int depth, String name) {
    this.source = source;
    this.queue = new ArrayBlockingQueue<>(depth);
    this.reader = new Thread(() -> pump(blockSize), name);
    reader.setDaemon(true);
    reader.start();
  }

  private void pump(int blockSize) {
    while (!closed) {
      byte[] block = new byte[blockSize];
      int filled = 0;
      Exception failure = null;
      try {
        while (filled < blockSize) {
          int n = source.read(block, filled, blockSize - filled);
          if (n < 0) {
            break;
          }
          filled += n;
        }
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
      if (filled > 0) {
        put(new Block(block, filled));
      }
      if (failure != null) {
        // After close() the consumer no longer listens; otherwise it gets the failure in order.
        put(failure);
        return;
      }
      if (filled < blockSize) {
        put(END);
        return;
      }
    }
  }

  private void put(Object item) {
    try {
      while (!closed && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
        // wait for the consumer, unless it closed the stream
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    if (current == null || pos == currentLength) {
      if (ended || !next()) {
        return -1;
      }
    }
    int n = Math.min(len, currentLength - pos);
    System.arraycopy(current, pos, b, off, n);
    pos += n;
    return n;
  }

  private boolean next() throws IOException {
    Object item;
    try {
      item = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading ahead");
    }
    if (item == END) {
      ended = true;
      return false;
    }
    if (item instanceof IOException e) {
      ended = true;
      throw e;
    }
    if (item instanceof RuntimeException e) {
      ended = true;
      throw e;
    }
    Block block = (Block) item;
    current = block.data();
    currentLength = block.length();
    pos = 0;
    return true;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    reader.interrupt();
    queue.clear();
    try {
      reader.join(200);
      // Closing the source also ends a read that is blocked on a socket.
      source.close();
      reader.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
