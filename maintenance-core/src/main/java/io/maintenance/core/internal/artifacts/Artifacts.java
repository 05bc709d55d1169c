package io.maintenance.core.internal.artifacts;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.Compression;
import io.maintenance.api.DataKey;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.internal.ArtifactCodec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The engine's artifact policy at work: codecs for the artifacts of new backups (compression, a data
 * key per backup when encryption is on) and for reading old ones (whatever they recorded), and the
 * rewrapping of data keys for REKEY.
 */
public final class Artifacts {
  private final ArtifactPolicy policy;
  private final KeyEncryptionKeys keks;
  private final DataKeys dataKeys;

  private Artifacts(ArtifactPolicy policy, KeyEncryptionKeys keks) {
    this.policy = policy;
    this.keks = keks;
    this.dataKeys = new DataKeys(keks);
  }

  /** Checks what can be checked without a network: zstd loads, the keyset file parses, KMS libraries are there. */
  public static Artifacts start(ArtifactPolicy policy) {
    if (policy.compression() == Compression.ZSTD) {
      Codecs.requireZstd("artifacts.compression=zstd");
    }
    return new Artifacts(policy, KeyEncryptionKeys.from(policy));
  }

  public ArtifactPolicy policy() {
    return policy;
  }

  /** The key-encryption key new data keys are wrapped with; empty when new backups are not encrypted. */
  public Optional<String> wrappingKey() {
    return keks.wrappingKey();
  }

  /** The artifact side of one new backup. */
  public final class Writer {
    private final String backupId;
    private final Optional<DataKeys.Unwrapped> key;

    private Writer(String backupId, Optional<DataKeys.Unwrapped> key) {
      this.backupId = backupId;
      this.key = key;
    }

    /** The backup's data key, wrapped, for the manifest; empty when it is not encrypted. */
    public Optional<DataKey> dataKey() {
      return key.map(DataKeys.Unwrapped::key);
    }

    public ArtifactCodec codec(String datastoreId) {
      return new EngineCodec(backupId, datastoreId, policy.compression(), policy.level(), key, Map.of());
    }
  }

  /** Starts a backup: with encryption on, a fresh data key is made and wrapped now (a KMS problem fails here, before any data moves). */
  public Writer writer(String backupId) {
    return new Writer(backupId, keks.wrappingKey().map(k -> dataKeys.create(backupId, k)));
  }

  /**
   * The codec that reads one datastore's artifacts of a backup: unwraps every data key they use now,
   * so a missing key fails here ({@code KEY_UNAVAILABLE} naming it), before anything is read or applied.
   */
  public ArtifactCodec reader(BackupManifest manifest, DatastoreManifest section) {
    Map<String, DataKeys.Unwrapped> keys = new HashMap<>();
    for (ArtifactInfo a : section.artifacts()) {
      if (a.dataKey().isPresent() && !keys.containsKey(a.dataKey().get())) {
        String id = a.dataKey().get();
        DataKey k = manifest.dataKey(id).orElseThrow(() -> new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
            "artifact " + a.name() + " of backup " + manifest.backupId() + " names data key " + id + ", which the manifest lacks",
            Map.of("artifact", a.name(), "dataKey", id)));
        keys.put(id, dataKeys.unwrap(k));
      }
      if (a.compression() == Compression.ZSTD) {
        Codecs.requireZstd("needed to read backup " + manifest.backupId());
      }
    }
    return new EngineCodec(manifest.backupId(), section.id(), policy.compression(), policy.level(), Optional.empty(), keys);
  }

  /** The data keys of a manifest that another key than the current one wraps. */
  public List<DataKey> stale(BackupManifest manifest) {
    Optional<String> current = keks.wrappingKey();
    return current.isEmpty() ? List.of()
        : manifest.dataKeys().stream().filter(k -> !k.keyId().equals(current.get())).toList();
  }

  /** The data key wrapped by the current key-encryption key (the artifacts stay as they are). */
  public DataKey rewrap(DataKey key) {
    String current = keks.wrappingKey().orElseThrow(() -> new MaintenanceException(ErrorCode.CONFIG_INVALID,
        "REKEY needs a key-encryption key for new backups (artifacts.encryption)"));
    return dataKeys.rewrap(key, current);
  }
}
