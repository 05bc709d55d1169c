package io.maintenance.spi.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Reads a remote object and, when the connection breaks, reopens it at the offset reached instead of
 * starting over. The opener pins the object version so all ranges come from the same object.
 */
public final class ResumingInputStream extends InputStream {
  /** Opens the object at an offset. */
  @FunctionalInterface
  public interface Opener {
    InputStream open(long offset) throws IOException;
  }

  private final Opener opener;
  private final int maxAttempts;
  private final Duration backoff;
  private @Nullable InputStream current;
  private long position;
  private int failures;
  private boolean closed;

  /**
   * @param maxAttempts consecutive failed attempts (without progress) before giving up
   */
  public ResumingInputStream(Opener opener, long startOffset, int maxAttempts, Duration backoff) {
    this.opener = opener;
    this.position = startOffset;
    this.maxAttempts = Math.max(1, maxAttempts);
    this.backoff = backoff;
  }

  /** Bytes read so far plus the start offset. */
  public long position() {
    return position;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    while (true) {
      try {
        if (current == null) {
          current = opener.open(position);
        }
        int n = current.read(b, off, len);
        if (n > 0) {
          position += n;
          failures = 0;
        }
        return n;
      } catch (NoSuchFileException e) {
        throw e;
      } catch (IOException e) {
        closeQuietly(e);
        if (++failures >= maxAttempts) {
          throw new IOException("read failed at offset " + position + " after " + failures + " attempts", e);
        }
        pause();
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    if (current != null) {
      current.close();
      current = null;
    }
  }

  private void closeQuietly(IOException cause) {
    if (current != null) {
      try {
        current.close();
      } catch (IOException e) {
        cause.addSuppressed(e);
      }
      current = null;
    }
  }

  private void pause() throws IOException {
    try {
      Thread.sleep(backoff.multipliedBy(failures).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while resuming a read", e);
    }
  }
}
