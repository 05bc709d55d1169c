package io.maintenance.datastore.postgres.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hands full blocks to a writer thread so that encoding rows and storing them (checksumming, chunking,
 * fsync) overlap. Memory is bounded: {@value #BLOCKS} blocks of {@value #BLOCK_SIZE} bytes in flight.
 * {@link #finish()} drains and returns only when every byte reached the target, which it does not close;
 * {@link #abort()} stops without finishing, so a failed artifact is never completed by accident.
 */
final class AsyncOutputStream extends OutputStream {
  static final int BLOCK_SIZE = 256 * 1024;
  static final int BLOCKS = 4;
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> full = new ArrayBlockingQueue<>(BLOCKS);
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BLOCKS + 2);
  private final Thread writer;
  private volatile Throwable failure;
  private volatile boolean aborted;
  private byte[] block = new byte[BLOCK_SIZE];
  private int pos;

  AsyncOutputStream(OutputStream target, String name) {
    writer = new Thread(() -> {
      try {
        while (true) {
          byte[] b = full.take();
          if (b == END || aborted) {
            return;
          }
          target.write(b, 0, b.length == BLOCK_SIZE ? BLOCK_SIZE : b.length);
          free.offer(b);
        }
      } catch (Throwable t) {
        failure = t;
        full.clear();
      }
    }, "maintenance-postgres-writer " + name);
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void write(int b) throws IOException {
    if (pos == BLOCK_SIZE) {
      hand(block);
    }
    block[pos++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (pos == BLOCK_SIZE) {
        hand(block);
      }
      int n = Math.min(len, BLOCK_SIZE - pos);
      System.arraycopy(b, off, block, pos, n);
      pos += n;
      off += n;
      len -= n;
    }
  }

  private void hand(byte[] b) throws IOException {
    check();
    try {
      while (!full.offer(b, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        check();
      }
      byte[] next = free.poll();
      block = next != null ? next : new byte[BLOCK_SIZE];
      pos = 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort();
      throw new InterruptedIOException("interrupted while writing");
    }
  }

  /** Writes what is buffered, waits for the writer and reports its failure, if any. */
  void finish() throws IOException {
    if (pos > 0) {
      byte[] last = pos == BLOCK_SIZE ? block : java.util.Arrays.copyOf(block, pos);
      hand(last);
    }
    try {
      while (!full.offer(END, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        check();
      }
      writer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort();
      throw new InterruptedIOException("interrupted while writing");
    }
    check();
  }

  /** Stops the writer without finishing; the target is left as it is for its owner to abort. */
  void abort() {
    aborted = true;
    full.clear();
    full.offer(END);
  }

  private void check() throws IOException {
    Throwable t = failure;
    if (t == null) {
      return;
    }
    if (t instanceof IOException io) {
      throw io;
    }
    if (t instanceof RuntimeException re) {
      throw re;
    }
    throw new IOException(t);
  }

  @Override
  public void flush() {
    // Blocks are handed over when full; finish() writes the rest.
  }

  @Override
  public void close() throws IOException {
    finish();
  }
}
