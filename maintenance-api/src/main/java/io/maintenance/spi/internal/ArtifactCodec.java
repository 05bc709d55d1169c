package io.maintenance.spi.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ArtifactOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * What happens to an artifact's bytes between a datastore and storage: compression, then encryption
 * on the way in, the reverse on the way out. {@link StorageArtifactSink} and {@link StorageArtifactSource}
 * apply it; the engine supplies one per datastore of a backup (its {@code artifacts.*} policy, zstd and
 * envelope encryption); {@link #plain()} is what plugins and their tests get without the engine.
 */
public interface ArtifactCodec {

  /**
   * The encoding side of one new artifact.
   *
   * @param plain where the datastore writes; closing it finishes the encoding and closes {@code stored}
   */
  record Encoder(OutputStream plain, Compression compression, Optional<String> dataKey) {}

  /** Wraps {@code stored} (the stream into storage) for a new artifact. */
  Encoder encode(String name, ArtifactOptions options, OutputStream stored) throws IOException;

  /** Reverses the encoding recorded in {@code artifact}; failures to decode are IOExceptions. */
  InputStream decode(ArtifactInfo artifact, InputStream stored) throws IOException;

  /**
   * Stores what a datastore writes as it is, compressing only when it forces a compression this
   * library can do without native code (gzip); reads uncompressed and gzip artifacts, refuses
   * encrypted and zstd ones ({@code INCOMPATIBLE_ARTIFACT}: they need the engine's codec).
   */
  static ArtifactCodec plain() {
    return Plain.INSTANCE;
  }

  /** Buffer size the codecs use between stages. */
  int BUFFER = 64 * 1024;

  /** The JDK-only codec behind {@link #plain()}. */
  final class Plain implements ArtifactCodec {
    private static final Plain INSTANCE = new Plain();

    private Plain() {}

    @Override
    public Encoder encode(String name, ArtifactOptions options, OutputStream stored) throws IOException {
      Compression c = options.compression().orElse(Compression.NONE);
      return switch (c) {
        case NONE -> new Encoder(stored, c, Optional.empty());
        case GZIP -> new Encoder(new GZIPOutputStream(stored, BUFFER), c, Optional.empty());
        case ZSTD -> throw new MaintenanceException(ErrorCode.INVALID_REQUEST,
            "artifact '" + name + "': zstd needs the engine's codec", Map.of("artifact", name));
      };
    }

    @Override
    public InputStream decode(ArtifactInfo artifact, InputStream stored) throws IOException {
      if (artifact.dataKey().isPresent() || artifact.compression() == Compression.ZSTD) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "artifact '" + artifact.name()
            + "' is " + (artifact.dataKey().isPresent() ? "encrypted" : "zstd-compressed") + "; only the engine can read it",
            Map.of("artifact", artifact.name()));
      }
      return artifact.compression() == Compression.GZIP ? new GZIPInputStream(stored, BUFFER) : stored;
    }
  }
}
