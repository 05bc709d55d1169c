package io.maintenance.spi.support;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A {@link FilterInputStream} whose single-byte {@link #read()} goes through
 * {@link #read(byte[], int, int)} (the JDK's goes straight to the wrapped stream), so that a subclass
 * which counts, copies or checks the bytes passing through overrides only that.
 */
public abstract class PassThroughInputStream extends FilterInputStream {
  protected PassThroughInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public abstract int read(byte[] b, int off, int len) throws IOException;
}
