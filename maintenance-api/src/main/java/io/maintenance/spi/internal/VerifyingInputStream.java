package io.maintenance.spi.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.Digests;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Passes bytes through while counting them and computing their SHA-256; at the end of the stream
 * (or when closed with at most {@link #DRAIN_LIMIT} bytes left, which it reads to finish the check)
 * compares both with the expected values and throws {@code INTEGRITY_MISMATCH} if they differ, so a
 * consumer never sees a clean end of a truncated, extended or altered artifact.
 */
public final class VerifyingInputStream extends FilterInputStream {
  /** Unread bytes that close() still reads to complete the check. */
  public static final long DRAIN_LIMIT = 1 << 20;

  private final String name;
  private final long expectedSize;
  private final String expectedSha256;
  private final MessageDigest digest = Digests.sha256();
  private long count;
  private boolean verified;
  private boolean closed;

  public VerifyingInputStream(InputStream in, String name, long expectedSize, String expectedSha256) {
    super(in);
    this.name = name;
    this.expectedSize = expectedSize;
    this.expectedSha256 = expectedSha256;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b < 0) {
      verify();
    } else {
      digest.update((byte) b);
      advance(1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n < 0) {
      verify();
    } else if (n > 0) {
      digest.update(b, off, n);
      advance(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes must still be hashed.
    byte[] buf = new byte[(int) Math.min(8192, Math.max(1, n))];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!verified) {
        long remaining = expectedSize - count;
        if (remaining > DRAIN_LIMIT) {
          throw fail("closed after " + count + " of " + expectedSize + " bytes; the artifact was not verified");
        }
        byte[] buf = new byte[8192];
        while (!verified) {
          if (read(buf, 0, buf.length) < 0 && !verified) {
            verify();
          }
        }
      }
    } finally {
      in.close();
    }
  }

  /** Whether the whole stream was read and matched. */
  public boolean verified() {
    return verified;
  }

  private void advance(int n) {
    count += n;
    if (count > expectedSize) {
      throw fail("is longer than the " + expectedSize + " bytes recorded");
    }
  }

  private void verify() {
    if (verified) {
      return;
    }
    if (count != expectedSize) {
      throw fail("has " + count + " bytes, " + expectedSize + " were recorded (truncated)");
    }
    String actual = Digests.hex(digest.digest());
    if (!actual.equals(expectedSha256)) {
      throw fail("has SHA-256 " + actual + ", " + expectedSha256 + " was recorded", actual);
    }
    verified = true;
  }

  private MaintenanceException fail(String problem) {
    return fail(problem, "");
  }

  private MaintenanceException fail(String problem, String actualSha) {
    return new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "artifact '" + name + "' " + problem,
        actualSha.isEmpty()
            ? Map.of("artifact", name, "expectedSize", Long.toString(expectedSize), "bytesRead", Long.toString(count))
            : Map.of("artifact", name, "expectedSha256", expectedSha256, "actualSha256", actualSha));
  }
}
