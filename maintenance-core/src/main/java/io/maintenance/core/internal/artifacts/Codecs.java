package io.maintenance.core.internal.artifacts;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.maintenance.api.Compression;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Compression streams: zstd through zstd-jni (native libzstd), gzip through the JDK. */
final class Codecs {
  private static final int BUFFER = 64 * 1024;
  private static volatile String zstdProblem;
  private static volatile boolean zstdChecked;

  private Codecs() {}

  /** Loads libzstd, or fails with {@code CONFIG_INVALID} saying why and what to do instead. */
  static void requireZstd(String setting) {
    if (!zstdChecked) {
      try {
        com.github.luben.zstd.util.Native.load();
        zstdProblem = null;
      } catch (LinkageError | RuntimeException e) {
        zstdProblem = e.toString();
      }
      zstdChecked = true;
    }
    if (zstdProblem != null) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "zstd's native library (zstd-jni) cannot load on "
          + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": " + zstdProblem
          + "; set artifacts.compression=gzip (or none) for new backups" + (setting.isEmpty() ? "" : " (" + setting + ")"),
          Map.of("key", "artifacts.compression"));
    }
  }

  static OutputStream compress(Compression c, int level, OutputStream out) throws IOException {
    return switch (c) {
      case NONE -> out;
      case GZIP -> new LeveledGzip(out, level);
      case ZSTD -> {
        requireZstd("");
        ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, RecyclingBufferPool.INSTANCE);
        z.setLevel(level);
        // One libzstd worker thread compresses while the calling thread reads the datastore, hashes and
        // hands bytes to storage (as the zstd CLI overlaps compression and I/O); native memory stays bounded
        // (a few jobs of 4 x the window).
        z.setWorkers(1);
        yield z;
      }
    };
  }

  static InputStream decompress(Compression c, InputStream in) throws IOException {
    return switch (c) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, BUFFER);
      case ZSTD -> {
        requireZstd("needed to read zstd artifacts");
        yield new ZstdInputStreamNoFinalizer(in, RecyclingBufferPool.INSTANCE);
      }
    };
  }

  private static final class LeveledGzip extends GZIPOutputStream {
    LeveledGzip(OutputStream out, int level) throws IOException {
      super(out, BUFFER);
      def.setLevel(level);
    }
  }
}
