package io.maintenance.tck;

import io.maintenance.spi.support.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.SplittableRandom;

/** Deterministic pseudo-random bytes of any length, generated on the fly (never held whole). */
public final class TestData {
  private TestData() {}

  public static byte[] bytes(long seed, int size) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** A stream of {@code size} bytes; the same seed always gives the same bytes. */
  public static InputStream stream(long seed, long size) {
    return new InputStream() {
      private final SplittableRandom random = new SplittableRandom(seed);
      private final byte[] block = new byte[64 * 1024];
      private int blockPos = block.length;
      private long remaining = size;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (remaining == 0) {
          return -1;
        }
        int n = (int) Math.min(len, remaining);
        for (int i = 0; i < n; i++) {
          if (blockPos == block.length) {
            random.nextBytes(block);
            blockPos = 0;
          }
          b[off + i] = block[blockPos++];
        }
        remaining -= n;
        return n;
      }
    };
  }

  /** SHA-256 of {@link #stream(long, long)}. */
  public static String sha256(long seed, long size) throws IOException {
    return sha256(stream(seed, size));
  }

  /** Reads a stream to its end and returns its SHA-256 hex. */
  public static String sha256(InputStream in) throws IOException {
    MessageDigest md = Digests.sha256();
    byte[] buf = new byte[64 * 1024];
    int n;
    try (in) {
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
      }
    }
    return Digests.hex(md.digest());
  }
}
