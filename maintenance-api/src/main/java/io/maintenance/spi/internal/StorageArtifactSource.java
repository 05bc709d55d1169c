package io.maintenance.spi.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.support.ResumingInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * An {@link ArtifactSource} over a {@link StorageProvider}: resumes broken downloads at their offset
 * (pinned to the object version), verifies size and SHA-256 of every artifact's stored bytes as it
 * streams, and decodes them (decrypts, decompresses) with an {@link ArtifactCodec}.
 */
public final class StorageArtifactSource implements ArtifactSource {
  private static final int BUFFER = 64 * 1024;

  private final StorageProvider storage;
  private final List<ArtifactInfo> artifacts;
  private final Function<ArtifactInfo, String> keyOf;
  private final int maxAttempts;
  private final ArtifactCodec codec;
  private final Map<String, String> pinned;

  /**
   * @param keyOf where each artifact is stored (its own backup's folder, or the folder of the backup that holds it)
   */
  public StorageArtifactSource(StorageProvider storage, List<ArtifactInfo> artifacts, Function<ArtifactInfo, String> keyOf) {
    this(storage, artifacts, keyOf, 5, ArtifactCodec.plain());
  }

  public StorageArtifactSource(
      StorageProvider storage, List<ArtifactInfo> artifacts, Function<ArtifactInfo, String> keyOf, int maxAttempts) {
    this(storage, artifacts, keyOf, maxAttempts, ArtifactCodec.plain());
  }

  /** @param codec decodes what the engine's sink encoded (decryption, decompression) */
  public StorageArtifactSource(StorageProvider storage, List<ArtifactInfo> artifacts, Function<ArtifactInfo, String> keyOf,
      ArtifactCodec codec) {
    this(storage, artifacts, keyOf, 5, codec);
  }

  public StorageArtifactSource(StorageProvider storage, List<ArtifactInfo> artifacts, Function<ArtifactInfo, String> keyOf,
      int maxAttempts, ArtifactCodec codec) {
    this(storage, artifacts, keyOf, maxAttempts, codec, Map.of());
  }

  private StorageArtifactSource(StorageProvider storage, List<ArtifactInfo> artifacts, Function<ArtifactInfo, String> keyOf,
      int maxAttempts, ArtifactCodec codec, Map<String, String> pinned) {
    this.storage = storage;
    this.artifacts = List.copyOf(artifacts);
    this.keyOf = keyOf;
    this.maxAttempts = maxAttempts;
    this.codec = codec;
    this.pinned = Map.copyOf(pinned);
  }

  /**
   * The same artifacts, each read pinned to the storage version given by name (what {@link #verifyAll}
   * returned when it checked them): a read of an object that changed since fails instead of returning
   * other bytes.
   */
  public StorageArtifactSource pinnedTo(Map<String, String> versions) {
    return new StorageArtifactSource(storage, artifacts, keyOf, maxAttempts, codec, versions);
  }

  @Override
  public List<ArtifactInfo> list() {
    return artifacts;
  }

  @Override
  public InputStream open(String name) throws IOException {
    ArtifactInfo info = require(name);
    InputStream raw = openRaw(name);
    if (info.storedAsWritten()) {
      return raw;
    }
    InputStream decoded;
    try {
      decoded = codec.decode(info, new StorageSide(raw));
    } catch (IOException e) {
      closeQuietly(raw);
      throw undecodable(info, e);
    } catch (RuntimeException e) {
      closeQuietly(raw);
      throw e;
    }
    return new Decoded(decoded, raw, info);
  }

  @Override
  public InputStream openRaw(String name) throws IOException {
    ArtifactInfo info = require(name);
    String key = keyOf.apply(info);
    String pin = pinned.get(name);
    return read(info, key, pin != null ? Optional.of(pin) : currentVersion(info, key));
  }

  @Override
  public Optional<URI> presign(String name, Duration ttl) throws IOException {
    ArtifactInfo info = require(name);
    return info.storedAsWritten() ? storage.presignGet(keyOf.apply(info), ttl) : Optional.empty();
  }

  /**
   * Streams every artifact through SHA-256 without keeping it; throws on the first mismatch. Returns the
   * storage version of each artifact it checked, by name (artifacts whose storage has no versions are left out).
   */
  public Map<String, String> verifyAll() throws IOException {
    Map<String, String> versions = new TreeMap<>();
    for (ArtifactInfo a : artifacts) {
      verify(a.name()).ifPresent(v -> versions.put(a.name(), v));
    }
    return versions;
  }

  /** Streams one artifact through SHA-256; returns the storage version it read, if the storage has versions. */
  public Optional<String> verify(String name) throws IOException {
    ArtifactInfo info = require(name);
    String key = keyOf.apply(info);
    Optional<String> version = currentVersion(info, key);
    byte[] buf = new byte[BUFFER];
    try (InputStream in = read(info, key, version)) {
      while (in.read(buf) >= 0) {
        // reading is the check
      }
    }
    return version;
  }

  /**
   * Checks, before anything is applied, that every artifact is still the version it was pinned to (one
   * stat each): {@code ARTIFACT_MISSING} or {@code INTEGRITY_MISMATCH} naming the first that is not. An
   * artifact without a pinned version (the storage has none) is read through SHA-256 again instead.
   */
  public void checkPinned() throws IOException {
    for (ArtifactInfo a : artifacts) {
      String pin = pinned.get(a.name());
      if (pin == null) {
        verify(a.name());
        continue;
      }
      String key = keyOf.apply(a);
      Optional<String> now = currentVersion(a, key);
      if (!now.equals(Optional.of(pin))) {
        throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "artifact '" + a.name()
            + "' was replaced after it was verified", Map.of("artifact", a.name(), "key", key));
      }
    }
  }

  private Optional<String> currentVersion(ArtifactInfo info, String key) throws IOException {
    Optional<ObjectInfo> stat;
    try {
      stat = storage.stat(key);
    } catch (IOException e) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, "cannot stat artifact '" + info.name() + "': " + e.getMessage(), e);
    }
    if (stat.isEmpty()) {
      throw missing(info, key);
    }
    return stat.get().version();
  }

  private InputStream read(ArtifactInfo info, String key, Optional<String> version) {
    InputStream resuming = new ResumingInputStream(offset -> {
      try {
        return storage.openRead(new ReadRequest(key, offset, -1, version));
      } catch (NoSuchFileException e) {
        throw missing(info, key);
      }
    }, 0, maxAttempts, Duration.ofMillis(200));
    return new VerifyingInputStream(new BufferedInputStream(resuming, BUFFER), info.name(), info.size(), info.sha256());
  }

  private ArtifactInfo require(String name) {
    return find(name).orElseThrow(() -> new MaintenanceException(ErrorCode.ARTIFACT_MISSING,
        "artifact '" + name + "' is not in the manifest", Map.of("artifact", name)));
  }

  private static MaintenanceException undecodable(ArtifactInfo info, IOException e) {
    return new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "artifact '" + info.name() + "' cannot be "
        + (info.dataKey().isPresent() ? "decrypted" : "decompressed") + " (" + info.compression()
        + (info.dataKey().isPresent() ? ", encrypted" : "") + "): " + e.getMessage(), Map.of("artifact", info.name()), e);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      // already failing
    }
  }

  /**
   * The stored side under a decoder: a storage IOException leaves as STORAGE_FAILURE (unchecked, so the
   * decoder passes it through) and cannot be mistaken for bytes that do not decode.
   */
  private static final class StorageSide extends java.io.FilterInputStream {
    StorageSide(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (IOException e) {
        throw failure(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        throw failure(e);
      }
    }

    private static MaintenanceException failure(IOException e) {
      return new MaintenanceException(ErrorCode.STORAGE_FAILURE, "reading an artifact failed: " + e.getMessage(), e);
    }
  }

  /**
   * Decoded bytes of one artifact: a decoding failure is INTEGRITY_MISMATCH, and the end of the decoded
   * stream is reported only after the stored bytes were read to their end and matched the manifest.
   */
  private static final class Decoded extends java.io.FilterInputStream {
    private final InputStream raw;
    private final ArtifactInfo info;

    Decoded(InputStream decoded, InputStream raw, ArtifactInfo info) {
      super(decoded);
      this.raw = raw;
      this.info = info;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n;
      do {
        n = read(one, 0, 1);
      } while (n == 0);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        throw undecodable(info, e);
      }
      if (n < 0) {
        byte[] rest = new byte[8192];
        while (raw.read(rest) >= 0) {
          // drains what the decoder did not need, so the stored bytes are verified before the end is reported
        }
      }
      return n;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    @Override
    public void close() throws IOException {
      try {
        in.close();
      } finally {
        raw.close();
      }
    }
  }

  private static MaintenanceException missing(ArtifactInfo info, String key) {
    return new MaintenanceException(ErrorCode.ARTIFACT_MISSING, "artifact '" + info.name() + "' is not in storage",
        Map.of("artifact", info.name(), "key", key));
  }
}
