package io.maintenance.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class PassThroughInputStreamTest {
  /** Counts what passes, as the plugins' upload sources do. */
  static final class Counting extends PassThroughInputStream {
    long seen;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      seen += Math.max(0, n);
      return n;
    }
  }

  @Test
  void singleByteReadsPassThroughTheBulkRead() throws IOException {
    Counting c = new Counting(new ByteArrayInputStream(new byte[] {(byte) 0xff, 7, 0}));
    assertThat(c.read()).isEqualTo(0xff);
    assertThat(c.read(new byte[8])).isEqualTo(2);
    assertThat(c.read()).isEqualTo(-1);
    assertThat(c.seen).isEqualTo(3);
  }
}
