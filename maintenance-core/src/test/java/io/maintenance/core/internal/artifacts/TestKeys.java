package io.maintenance.core.internal.artifacts;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.nio.file.Files;
import java.nio.file.Path;

/** Keyset files of AES-256-GCM key-encryption keys, as {@code tinkey create-keyset --key-template AES256_GCM} writes them. */
public final class TestKeys {
  private TestKeys() {}

  /** A new keyset file with one key. */
  public static Path newKeyset(Path dir, String name) throws Exception {
    Tink.register();
    return write(dir.resolve(name), KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM));
  }

  /** Adds a new primary key to a keyset file (rotation); the old keys stay and still decrypt. */
  public static Path rotate(Path file) throws Exception {
    KeysetHandle old = read(file);
    KeysetHandle rotated = KeysetHandle.newBuilder(old)
        .addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM).withRandomId().makePrimary())
        .build();
    return write(file, rotated);
  }

  /** Keeps only the primary key (the retired ones are deleted from the file). */
  public static Path dropAllButPrimary(Path file) throws Exception {
    KeysetHandle h = read(file);
    KeysetHandle.Builder b = KeysetHandle.newBuilder(h);
    for (int i = h.size() - 1; i >= 0; i--) {
      if (!b.getAt(i).isPrimary()) {
        b.deleteAt(i);
      }
    }
    return write(file, b.build());
  }

  public static int primaryId(Path file) throws Exception {
    return read(file).getPrimary().getId();
  }

  private static KeysetHandle read(Path file) throws Exception {
    return TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(file), InsecureSecretKeyAccess.get());
  }

  private static Path write(Path file, KeysetHandle h) throws Exception {
    Files.writeString(file, TinkJsonProtoKeysetFormat.serializeKeyset(h, InsecureSecretKeyAccess.get()));
    return file;
  }
}
