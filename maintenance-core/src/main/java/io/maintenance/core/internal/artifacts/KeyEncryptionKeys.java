package io.maintenance.core.internal.artifacts;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The key-encryption keys the engine knows: the one that wraps the data keys of new backups, and those
 * that unwrap older ones. A key is named by a stable id recorded in the manifest:
 * {@code keyset:<Tink key id>} for a key of the keyset file, the key URI for a KMS key.
 */
public final class KeyEncryptionKeys {
  public static final String AWS_PREFIX = "aws-kms://";
  public static final String GCP_PREFIX = "gcp-kms://";
  public static final String KEYSET_PREFIX = "keyset:";

  private final Optional<String> wrappingKey;
  private final Optional<KeysetHandle> keyset;
  private final Optional<Aead> keysetAead;
  private final Map<String, Aead> kms;

  private KeyEncryptionKeys(Optional<String> wrappingKey, Optional<KeysetHandle> keyset, Map<String, Aead> kms) {
    this.wrappingKey = wrappingKey;
    this.keyset = keyset;
    this.kms = Map.copyOf(kms);
    try {
      this.keysetAead = keyset.isEmpty() ? Optional.empty()
          : Optional.of(keyset.get().getPrimitive(RegistryConfiguration.get(), Aead.class));
    } catch (GeneralSecurityException e) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "engine setting 'artifacts.encryption.keyset-file' "
          + "must hold AEAD keys (e.g. AES256_GCM): " + e.getMessage(), Map.of("key", "artifacts.encryption.keyset-file"));
    }
  }

  /** Loads the keyset file and builds the KMS clients; nothing is contacted yet. */
  public static KeyEncryptionKeys from(ArtifactPolicy policy) {
    Tink.register();
    Optional<KeysetHandle> keyset = policy.keysetFile().map(KeyEncryptionKeys::loadKeyset);
    Map<String, Aead> kms = new LinkedHashMap<>();
    policy.kmsKey().ifPresent(k -> kms.put(k, kmsAead(k, policy.kms())));
    for (String k : policy.previousKeys()) {
      kms.computeIfAbsent(k, x -> kmsAead(x, policy.kms()));
    }
    Optional<String> wrapping = switch (policy.encryption()) {
      case NONE -> Optional.empty();
      case KEYSET -> Optional.of(KEYSET_PREFIX + Integer.toUnsignedString(keyset.orElseThrow().getPrimary().getId()));
      case AWS_KMS, GCP_KMS -> policy.kmsKey();
    };
    return new KeyEncryptionKeys(wrapping, keyset, kms);
  }

  /** The key that wraps new data keys; empty when new backups are not encrypted. */
  public Optional<String> wrappingKey() {
    return wrappingKey;
  }

  /** The AEAD of a key-encryption key; {@code KEY_UNAVAILABLE} naming it when this engine does not have it. */
  public Aead aead(String keyId) {
    if (keyId.startsWith(KEYSET_PREFIX)) {
      if (keyset.isEmpty()) {
        throw unavailable(keyId, "no keyset file is configured (artifacts.encryption.keyset-file)");
      }
      int id;
      try {
        id = Integer.parseUnsignedInt(keyId.substring(KEYSET_PREFIX.length()));
      } catch (NumberFormatException e) {
        throw unavailable(keyId, "it is not a keyset key id");
      }
      KeysetHandle h = keyset.get();
      for (int i = 0; i < h.size(); i++) {
        if (h.getAt(i).getId() == id) {
          if (h.getAt(i).getStatus() != KeyStatus.ENABLED) {
            throw unavailable(keyId, "it is " + h.getAt(i).getStatus() + " in the keyset file");
          }
          return keysetAead.orElseThrow();
        }
      }
      throw unavailable(keyId, "the keyset file has no such key (keys: " + keyIds(h) + ")");
    }
    Aead a = kms.get(keyId);
    if (a == null) {
      throw unavailable(keyId, "it is neither artifacts.encryption.kms-key nor listed in artifacts.encryption.previous-keys");
    }
    return a;
  }

  static MaintenanceException unavailable(String keyId, String why) {
    return new MaintenanceException(ErrorCode.KEY_UNAVAILABLE, "key-encryption key " + keyId + " is not available: " + why,
        Map.of("keyId", keyId));
  }

  private static String keyIds(KeysetHandle h) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < h.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(KEYSET_PREFIX).append(Integer.toUnsignedString(h.getAt(i).getId()));
    }
    return b.toString();
  }

  private static KeysetHandle loadKeyset(java.nio.file.Path file) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "engine setting 'artifacts.encryption.keyset-file': cannot read "
          + file + " (" + e.getClass().getSimpleName() + ")", Map.of("key", "artifacts.encryption.keyset-file"));
    }
    try {
      return TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException | RuntimeException e) {
      // The message of a parse failure could quote key material: say only what the file is not.
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "engine setting 'artifacts.encryption.keyset-file': " + file
          + " is not a Tink JSON keyset (create one with: tinkey create-keyset --key-template AES256_GCM)",
          Map.of("key", "artifacts.encryption.keyset-file"));
    }
  }

  private static Aead kmsAead(String keyUri, ArtifactPolicy.Kms settings) {
    if (keyUri.startsWith(AWS_PREFIX)) {
      requireClass("software.amazon.awssdk.services.kms.KmsClient", "software.amazon.awssdk:kms", keyUri);
      return AwsKms.aead(keyUri.substring(AWS_PREFIX.length()), settings);
    }
    if (keyUri.startsWith(GCP_PREFIX)) {
      requireClass("com.google.crypto.tink.integration.gcpkms.GcpKmsAead", "com.google.crypto.tink:tink-gcpkms", keyUri);
      return GcpKms.aead(keyUri.substring(GCP_PREFIX.length()), settings);
    }
    throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "KMS key " + keyUri + " must start with " + AWS_PREFIX + " or "
        + GCP_PREFIX, Map.of("keyId", keyUri));
  }

  private static void requireClass(String className, String artifact, String keyUri) {
    try {
      Class.forName(className, false, KeyEncryptionKeys.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "KMS key " + keyUri + " needs " + artifact
          + " on the class path (an optional dependency of maintenance-core)", Map.of("keyId", keyUri, "missing", artifact));
    }
  }
}
