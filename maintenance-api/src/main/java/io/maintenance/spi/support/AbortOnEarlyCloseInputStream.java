package io.maintenance.spi.support;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A download body that, when closed before its end, aborts the connection instead of closing it: HTTP
 * clients drain the rest of a body on close to reuse the connection, which for a large object means
 * downloading it all. Closed at its end, it closes normally.
 */
public final class AbortOnEarlyCloseInputStream extends FilterInputStream {
  /** Abandons the transfer (aborts the request, disconnects). */
  @FunctionalInterface
  public interface Abort {
    void abort() throws IOException;
  }

  private final Abort abort;
  private boolean eof;
  private boolean closed;

  public AbortOnEarlyCloseInputStream(InputStream body, Abort abort) {
    super(body);
    this.abort = abort;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    eof |= b < 0;
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    eof |= n < 0;
    return n;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (eof) {
      super.close();
    } else {
      abort.abort();
    }
  }
}
