package io.maintenance.datastore.qdrant;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import io.maintenance.spi.ArtifactOptions;
import io.maintenance.spi.internal.ArtifactCodec;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Stands in for the engine's encryption in a plugin test (the engine's codec lives in maintenance-core,
 * which plugins do not depend on): every stored byte is changed (XOR) and the artifact names a data
 * key, so stored bytes differ from the bytes the datastore wrote, no URL can be presigned for them, and
 * only {@code open} gives the datastore its bytes back.
 */
final class SealingCodec implements ArtifactCodec {
  private static final int KEY = 0x5c;

  @Override
  public Encoder encode(String name, ArtifactOptions options, OutputStream stored) {
    return new Encoder(new FilterOutputStream(stored) {
      @Override
      public void write(int b) throws IOException {
        out.write(b ^ KEY);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        byte[] sealed = new byte[len];
        for (int i = 0; i < len; i++) {
          sealed[i] = (byte) (b[off + i] ^ KEY);
        }
        out.write(sealed);
      }
    }, Compression.NONE, Optional.of("sealing-test-key"));
  }

  @Override
  public InputStream decode(ArtifactInfo artifact, InputStream stored) {
    return new FilterInputStream(stored) {
      @Override
      public int read() throws IOException {
        int b = in.read();
        return b < 0 ? b : (b ^ KEY) & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        for (int i = 0; i < n; i++) {
          b[off + i] ^= KEY;
        }
        return n;
      }
    };
  }
}
