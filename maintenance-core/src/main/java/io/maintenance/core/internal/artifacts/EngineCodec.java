package io.maintenance.core.internal.artifacts;

import com.google.crypto.tink.StreamingAead;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import io.maintenance.spi.ArtifactOptions;
import io.maintenance.spi.internal.ArtifactCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.Optional;

/**
 * The engine's codec for the artifacts of one datastore of one backup: compress (policy or the
 * datastore's choice), then encrypt with the backup's data key (Tink streaming AEAD, each artifact bound
 * to its backup, datastore and name as associated data, so artifacts cannot be swapped or renamed).
 */
final class EngineCodec implements ArtifactCodec {
  private final String backupId;
  private final String datastoreId;
  private final Compression compression;
  private final int level;
  private final Optional<DataKeys.Unwrapped> writeKey;
  private final Map<String, DataKeys.Unwrapped> readKeys;

  EngineCodec(String backupId, String datastoreId, Compression compression, int level, Optional<DataKeys.Unwrapped> writeKey,
      Map<String, DataKeys.Unwrapped> readKeys) {
    this.backupId = backupId;
    this.datastoreId = datastoreId;
    this.compression = compression;
    this.level = level;
    this.writeKey = writeKey;
    this.readKeys = Map.copyOf(readKeys);
  }

  @Override
  public Encoder encode(String name, ArtifactOptions options, OutputStream stored) throws IOException {
    Compression c = options.compression().orElse(compression);
    OutputStream out = stored;
    if (writeKey.isPresent()) {
      out = encrypting(writeKey.get().aead(), out, associatedData(backupId, datastoreId, name));
    }
    return new Encoder(Codecs.compress(c, level, out), c, writeKey.map(k -> k.key().id()));
  }

  @Override
  public InputStream decode(ArtifactInfo artifact, InputStream stored) throws IOException {
    InputStream in = stored;
    if (artifact.dataKey().isPresent()) {
      DataKeys.Unwrapped key = readKeys.get(artifact.dataKey().get());
      if (key == null) {
        throw new IllegalStateException("data key " + artifact.dataKey().get() + " was not unwrapped for " + artifact.name());
      }
      String holder = artifact.heldBy().orElse(backupId);
      in = decrypting(key.aead(), in, associatedData(holder, datastoreId, artifact.name()));
    }
    return Codecs.decompress(artifact.compression(), in);
  }

  /** Binds a ciphertext to where it belongs: the backup that wrote it, the datastore and the artifact name. */
  static byte[] associatedData(String holderBackupId, String datastoreId, String name) {
    return ("maintenance-artifact/v1\0" + holderBackupId + "\0" + datastoreId + "\0" + name).getBytes(StandardCharsets.UTF_8);
  }

  private static OutputStream encrypting(StreamingAead aead, OutputStream out, byte[] ad) throws IOException {
    try {
      return aead.newEncryptingStream(out, ad);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot start encrypting: " + e.getMessage(), e);
    }
  }

  private static InputStream decrypting(StreamingAead aead, InputStream in, byte[] ad) throws IOException {
    try {
      return aead.newDecryptingStream(in, ad);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot start decrypting: " + e.getMessage(), e);
    }
  }
}
