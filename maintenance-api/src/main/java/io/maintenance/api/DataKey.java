package io.maintenance.api;

import java.util.Objects;

/**
 * The data key that encrypts the artifacts of one backup, as recorded in the manifest: only ever
 * wrapped (encrypted) by a key-encryption key, never in clear.
 *
 * @param id the id of the backup that created the key (artifacts name it in {@link ArtifactInfo#dataKey()})
 * @param algorithm the streaming AEAD of the artifacts, e.g. {@code AES256_GCM_HKDF_1MB}
 * @param keyId the key-encryption key that wraps it: {@code keyset:<key id>}, {@code aws-kms://<key ARN>}
 *     or {@code gcp-kms://projects/.../cryptoKeys/...}
 * @param wrappedKey base64 of the wrapped key, bound to {@code id}
 */
public record DataKey(String id, String algorithm, String keyId, String wrappedKey) {
  public DataKey {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(wrappedKey, "wrappedKey");
  }

  @Override
  public String toString() {
    return "DataKey[id=" + id + ", algorithm=" + algorithm + ", keyId=" + keyId + ", wrappedKey=(" + wrappedKey.length() + " chars)]";
  }
}
