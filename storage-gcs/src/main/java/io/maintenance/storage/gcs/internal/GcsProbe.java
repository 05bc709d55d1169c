package io.maintenance.storage.gcs.internal;

import com.google.cloud.storage.Bucket;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.support.Probes;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Readiness of the bucket: a bucket lookup (reachable, credentials accepted, bucket present), then a tiny
 * object written through the same resumable path uploads use, under {@code <key-prefix>_maintenance_probe/},
 * and removed (writable).
 */
public final class GcsProbe {
  private static final String PROBE_FOLDER = "_maintenance_probe";
  private static final byte[] PROBE_BYTES = "probe".getBytes(StandardCharsets.US_ASCII);

  private GcsProbe() {}

  /** @param keyPrefix empty or ending in {@code /} */
  public static ProbeResult run(Storage storage, ResumableUploads uploads, String keyPrefix, String endpoint) {
    String bucket = uploads.bucket();
    return Probes.run("storage:gcs", Probes.STORAGE_UNREACHABLE, () -> {
      Map<String, String> facts = new LinkedHashMap<>();
      facts.put("bucket", bucket);
      facts.put("endpoint", endpoint);
      Bucket b;
      try {
        b = storage.get(bucket);
      } catch (StorageException e) {
        throw failure(e, Probes.STORAGE_UNREACHABLE);
      }
      if (b == null) {
        throw new Probes.ProbeFailure(Probes.STORAGE_BUCKET_MISSING, "bucket '" + bucket + "' does not exist");
      }
      if (b.getLocation() != null) {
        facts.put("location", b.getLocation());
      }
      String name = keyPrefix + PROBE_FOLDER + "/" + UUID.randomUUID();
      String what = "readiness probe write";
      try {
        String session = uploads.startSession(name, "text/plain", what);
        var created = uploads.putFinal(session, "text/plain", 0, PROBE_BYTES, PROBE_BYTES.length,
            Crc32c.of(PROBE_BYTES, 0, PROBE_BYTES.length), what);
        uploads.deleteGeneration(name, created.getGeneration(), "readiness probe delete");
      } catch (MaintenanceException e) {
        throw failure(e, Probes.STORAGE_UNWRITABLE);
      }
      return facts;
    });
  }

  private static Probes.ProbeFailure failure(RuntimeException e, String otherwise) {
    String reason;
    if (e instanceof MaintenanceException me) {
      reason = me.details().getOrDefault("reason", otherwise);
      // Refused writes with working reads mean missing permissions, not bad credentials.
      if (Probes.STORAGE_AUTH_FAILED.equals(reason) && Probes.STORAGE_UNWRITABLE.equals(otherwise)) {
        reason = Probes.STORAGE_UNWRITABLE;
      }
    } else if (GcsErrors.isAuthFailure(e)) {
      reason = Probes.STORAGE_AUTH_FAILED;
    } else if (GcsErrors.isUnreachable(e)) {
      reason = Probes.STORAGE_UNREACHABLE;
    } else if (e instanceof StorageException se && se.getCode() == 404) {
      reason = Probes.STORAGE_BUCKET_MISSING;
    } else {
      reason = otherwise;
    }
    return new Probes.ProbeFailure(reason, ProbeStatus.DOWN, e.getMessage(), e);
  }
}
