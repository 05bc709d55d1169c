package io.maintenance.spi.support;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * An {@link ArtifactSource} over a {@link StorageProvider}: resumes broken downloads at their offset
 * (pinned to the object version) and verifies size and SHA-256 of every artifact as it streams.
 */
public final class StorageArtifactSource implements ArtifactSource {
  private static final int BUFFER = 64 * 1024;

  private final StorageProvider storage;
  private final List<ArtifactInfo> artifacts;
  private final Function<ArtifactInfo, String> keyOf;
  private final int maxAttempts;

  /**
   * @param keyOf where each artifact is stored (its own backup's folder, or the folder of the backup that holds it)
   */
  public StorageArtifactSource(StorageProvider storage, List<ArtifactInfo> artifacts, Function<ArtifactInfo, String> keyOf) {
    this(storage, artifacts, keyOf, 5);
  }

  public StorageArtifactSource(
      StorageProvider storage, List<ArtifactInfo> artifacts, Function<ArtifactInfo, String> keyOf, int maxAttempts) {
    this.storage = storage;
    this.artifacts = List.copyOf(artifacts);
    this.keyOf = keyOf;
    this.maxAttempts = maxAttempts;
  }

  @Override
  public List<ArtifactInfo> list() {
    return artifacts;
  }

  @Override
  public InputStream open(String name) throws IOException {
    ArtifactInfo info = require(name);
    InputStream raw = openRaw(name);
    return info.compression() == Compression.GZIP ? new GZIPInputStream(raw, BUFFER) : raw;
  }

  @Override
  public InputStream openRaw(String name) throws IOException {
    ArtifactInfo info = require(name);
    String key = keyOf.apply(info);
    Optional<ObjectInfo> stat;
    try {
      stat = storage.stat(key);
    } catch (IOException e) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, "cannot stat artifact '" + name + "': " + e.getMessage(), e);
    }
    if (stat.isEmpty()) {
      throw missing(info, key);
    }
    Optional<String> version = stat.get().version();
    InputStream resuming = new ResumingInputStream(offset -> {
      try {
        return storage.openRead(new ReadRequest(key, offset, -1, version));
      } catch (NoSuchFileException e) {
        throw missing(info, key);
      }
    }, 0, maxAttempts, Duration.ofMillis(200));
    return new VerifyingInputStream(new BufferedInputStream(resuming, BUFFER), name, info.size(), info.sha256());
  }

  @Override
  public Optional<URI> presign(String name, Duration ttl) throws IOException {
    return storage.presignGet(keyOf.apply(require(name)), ttl);
  }

  /** Streams every artifact through SHA-256 without keeping it; throws on the first mismatch. */
  public void verifyAll() throws IOException {
    byte[] buf = new byte[BUFFER];
    for (ArtifactInfo a : artifacts) {
      try (InputStream in = openRaw(a.name())) {
        while (in.read(buf) >= 0) {
          // reading is the check
        }
      }
    }
  }

  private ArtifactInfo require(String name) {
    return find(name).orElseThrow(() -> new MaintenanceException(ErrorCode.ARTIFACT_MISSING,
        "artifact '" + name + "' is not in the manifest", Map.of("artifact", name)));
  }

  private static MaintenanceException missing(ArtifactInfo info, String key) {
    return new MaintenanceException(ErrorCode.ARTIFACT_MISSING, "artifact '" + info.name() + "' is not in storage",
        Map.of("artifact", info.name(), "key", key));
  }
}
