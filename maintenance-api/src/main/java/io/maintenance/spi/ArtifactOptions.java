package io.maintenance.spi;

import io.maintenance.api.Compression;
import java.util.Objects;
import java.util.Optional;

/**
 * How the engine treats the bytes of one new artifact.
 *
 * @param compression empty: the engine's {@code artifacts.compression} policy (the default); a value
 *     forces that compression, {@link Compression#NONE} for bytes that are already compressed.
 *     Encryption, when on, applies to every artifact either way.
 */
public record ArtifactOptions(Optional<Compression> compression) {
  /** The engine's policy. */
  public static final ArtifactOptions DEFAULT = new ArtifactOptions(Optional.empty());

  /**
   * For bytes that are already compressed (a snapshot archive, say): stored without compressing
   * them again, and the SHA-256 of the bytes as written is recorded as {@code contentSha256}.
   */
  public static final ArtifactOptions PRECOMPRESSED = new ArtifactOptions(Optional.of(Compression.NONE));

  public ArtifactOptions {
    Objects.requireNonNull(compression, "compression");
  }

  public static ArtifactOptions compression(Compression compression) {
    return new ArtifactOptions(Optional.of(compression));
  }

  public boolean precompressed() {
    return compression.equals(Optional.of(Compression.NONE));
  }
}
