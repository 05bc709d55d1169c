package io.maintenance.storage.s3.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.support.Probes;
import io.maintenance.spi.support.StorageKeys;
import io.maintenance.storage.s3.ChecksumMode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Readiness of the bucket: a one-key listing under the prefix (reachable, credentials accepted, bucket
 * present, readable), then a small object written and deleted under {@code .maintenance-probe/} (writable,
 * and the server accepts this checksum mode).
 */
public final class S3Probe {
  static final String PROBE_FOLDER = ".maintenance-probe";
  private static final byte[] PROBE_BYTES = "maintenance readiness probe\n".getBytes(StandardCharsets.US_ASCII);

  private S3Probe() {}

  public static ProbeResult run(S3Bucket bucket, ChecksumMode mode) {
    return Probes.run("storage:s3", Probes.STORAGE_UNREACHABLE, () -> {
      try {
        bucket.client().listObjectsV2(b -> b.bucket(bucket.name()).prefix(bucket.keys().listPrefix("")).maxKeys(1));
      } catch (SdkException e) {
        throw readFailure(bucket, e);
      }
      String key = StorageKeys.join(PROBE_FOLDER, UUID.randomUUID().toString());
      try {
        bucket.putObject(key, "text/plain", PROBE_BYTES, PROBE_BYTES.length, mode);
        bucket.delete(key);
      } catch (MaintenanceException e) {
        throw writeFailure(bucket, mode, key, e);
      }
      Map<String, String> facts = new LinkedHashMap<>();
      facts.put("bucket", bucket.name());
      facts.put("keyPrefix", bucket.keys().prefix());
      facts.put("checksum", mode.configValue());
      return facts;
    });
  }

  private static Probes.ProbeFailure readFailure(S3Bucket bucket, SdkException e) {
    String reason = S3Errors.reason(e);
    String code = reason.isEmpty() ? Probes.STORAGE_UNREACHABLE : reason;
    String what = switch (code) {
      case Probes.STORAGE_BUCKET_MISSING -> "bucket '" + bucket.name() + "' does not exist";
      case Probes.STORAGE_AUTH_FAILED -> "the credentials were refused for bucket '" + bucket.name() + "'";
      default -> "cannot list bucket '" + bucket.name() + "'";
    };
    return new Probes.ProbeFailure(code, ProbeStatus.DOWN, what + " (" + S3Errors.describe(e) + ")", e);
  }

  private static Probes.ProbeFailure writeFailure(S3Bucket bucket, ChecksumMode mode, String key, MaintenanceException e) {
    String detail = "cannot write and delete a probe object under '" + bucket.keys().listPrefix(PROBE_FOLDER + "/")
        + "' in bucket '" + bucket.name() + "': " + e.getMessage();
    if (e.getCause() instanceof SdkException sdk && S3Errors.status(sdk) == 501 && mode == ChecksumMode.CRC32C) {
      detail += "; the server does not implement flexible checksums, configure checksum=md5";
    } else if (e.code() == ErrorCode.INTEGRITY_MISMATCH) {
      detail += "; the server rejected a correct checksum, try checksum=" + (mode == ChecksumMode.CRC32C ? "md5" : "crc32c");
    }
    String code = e.getCause() instanceof SdkException sdk && Probes.STORAGE_UNREACHABLE.equals(S3Errors.reason(sdk))
        ? Probes.STORAGE_UNREACHABLE : Probes.STORAGE_UNWRITABLE;
    return new Probes.ProbeFailure(code, ProbeStatus.DOWN, detail, e);
  }
}
