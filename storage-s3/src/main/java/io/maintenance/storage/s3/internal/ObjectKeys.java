package io.maintenance.storage.s3.internal;

import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.StorageKeys;
import java.util.Optional;

/**
 * Maps the provider's relative keys to object keys in the bucket under the configured prefix, and
 * back. Keys are validated before they are mapped, so nothing unsafe ever reaches a request.
 */
public final class ObjectKeys {
  private final String prefix;

  /** @param prefix empty, or a valid key (a trailing {@code /} is dropped) under which all objects live */
  public ObjectKeys(String prefix) {
    String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    this.prefix = p.isEmpty() ? "" : StorageKeys.validate(p);
  }

  public String prefix() {
    return prefix;
  }

  /** The object key of a provider key; throws {@code INVALID_REQUEST} for an unsafe key. */
  public String objectKey(String key) {
    StorageKeys.validate(key);
    return prefix.isEmpty() ? key : prefix + "/" + key;
  }

  /** The S3 listing prefix for a provider listing prefix (empty lists everything under the configured prefix). */
  public String listPrefix(String listPrefix) {
    StorageKeys.prefix(listPrefix);
    if (prefix.isEmpty()) {
      return listPrefix;
    }
    return prefix + "/" + listPrefix;
  }

  /**
   * The provider key of a listed object key, or empty when the object lies outside the prefix or its
   * name is not a valid key (written by something else; never handed out, since no method accepts it).
   */
  public Optional<String> providerKey(String objectKey) {
    String key;
    if (prefix.isEmpty()) {
      key = objectKey;
    } else if (objectKey.startsWith(prefix + "/")) {
      key = objectKey.substring(prefix.length() + 1);
    } else {
      return Optional.empty();
    }
    try {
      return Optional.of(StorageKeys.validate(key));
    } catch (MaintenanceException e) {
      return Optional.empty();
    }
  }
}
