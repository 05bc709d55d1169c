package io.maintenance.core.internal.artifacts;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.streamingaead.PredefinedStreamingAeadParameters;
import io.maintenance.api.DataKey;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;

/**
 * Envelope keys: a fresh data key per backup (a Tink streaming AEAD keyset), kept only wrapped by a
 * key-encryption key (Tink's encrypted keyset format, bound to the backup id), unwrapped when read.
 */
final class DataKeys {
  static final String ALGORITHM = "AES256_GCM_HKDF_1MB";

  /** A data key with its primitive; never printed. */
  record Unwrapped(DataKey key, StreamingAead aead) {
    @Override
    public String toString() {
      return "Unwrapped[" + key + "]";
    }
  }

  private final KeyEncryptionKeys keks;

  DataKeys(KeyEncryptionKeys keks) {
    Tink.register();
    this.keks = keks;
  }

  /** A new data key for a backup, wrapped at once by the current key-encryption key (so a KMS problem fails the backup early). */
  Unwrapped create(String backupId, String wrappingKey) {
    KeysetHandle handle;
    try {
      handle = KeysetHandle.generateNew(PredefinedStreamingAeadParameters.AES256_GCM_HKDF_1MB);
    } catch (GeneralSecurityException e) {
      throw new MaintenanceException(ErrorCode.INTERNAL_ERROR, "cannot generate a data key: " + e.getMessage(), e);
    }
    DataKey key = new DataKey(backupId, ALGORITHM, wrappingKey, wrap(handle, backupId, wrappingKey));
    return new Unwrapped(key, primitive(handle, key));
  }

  Unwrapped unwrap(DataKey key) {
    if (!key.algorithm().equals(ALGORITHM)) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "data key " + key.id() + " is for " + key.algorithm()
          + "; this engine reads " + ALGORITHM, Map.of("dataKey", key.id()));
    }
    return new Unwrapped(key, primitive(parse(key), key));
  }

  /** The same data key wrapped by {@code wrappingKey}. */
  DataKey rewrap(DataKey key, String wrappingKey) {
    return new DataKey(key.id(), key.algorithm(), wrappingKey, wrap(parse(key), key.id(), wrappingKey));
  }

  private KeysetHandle parse(DataKey key) {
    Aead kek = keks.aead(key.keyId());
    byte[] wrapped;
    try {
      wrapped = Base64.getDecoder().decode(key.wrappedKey());
    } catch (IllegalArgumentException e) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "the wrapped data key " + key.id() + " is not base64",
          Map.of("dataKey", key.id(), "keyId", key.keyId()));
    }
    try {
      return TinkProtoKeysetFormat.parseEncryptedKeyset(wrapped, kek, associatedData(key.id()));
    } catch (GeneralSecurityException e) {
      throw kekFailure("unwrap the data key of backup " + key.id(), key.keyId(), e);
    }
  }

  private String wrap(KeysetHandle handle, String id, String wrappingKey) {
    Aead kek = keks.aead(wrappingKey);
    try {
      return Base64.getEncoder().encodeToString(TinkProtoKeysetFormat.serializeEncryptedKeyset(handle, kek, associatedData(id)));
    } catch (GeneralSecurityException e) {
      throw kekFailure("wrap the data key of backup " + id, wrappingKey, e);
    }
  }

  private static StreamingAead primitive(KeysetHandle handle, DataKey key) {
    try {
      return handle.getPrimitive(RegistryConfiguration.get(), StreamingAead.class);
    } catch (GeneralSecurityException e) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "data key " + key.id() + " is not a streaming AEAD key",
          Map.of("dataKey", key.id()));
    }
  }

  /** Binds a wrapped data key to its backup: it cannot be moved into another backup's manifest. */
  static byte[] associatedData(String dataKeyId) {
    return ("maintenance-data-key/v1\0" + dataKeyId).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A key-encryption key that could not be used: unreachable KMS is DEPENDENCY_UNAVAILABLE (try again),
   * anything else (key gone, disabled, access denied, not the key that wrapped it) KEY_UNAVAILABLE.
   * The message names the key and the reason, never key material.
   */
  static MaintenanceException kekFailure(String what, String keyId, GeneralSecurityException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof SocketTimeoutException
          || t.getClass().getName().equals("software.amazon.awssdk.core.exception.SdkClientException")
              && !(t.getMessage() != null && t.getMessage().contains("Unable to load credentials"))) {
        return new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE, "cannot " + what + ": the KMS of key " + keyId
            + " cannot be reached (" + t.getClass().getSimpleName() + ")", Map.of("keyId", keyId), e);
      }
    }
    return new MaintenanceException(ErrorCode.KEY_UNAVAILABLE, "cannot " + what + " with key-encryption key " + keyId + ": "
        + e.getMessage(), Map.of("keyId", keyId), e);
  }
}
