package io.maintenance.storage.s3.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.Probes;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Classifies S3 failures: which readiness code they mean, whether a part was rejected for its checksum,
 * and the {@link MaintenanceException} an operation throws. Messages carry the S3 error code and status,
 * never credentials or signatures.
 */
public final class S3Errors {
  private static final Set<String> AUTH_CODES = Set.of("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied",
      "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled", "AuthorizationHeaderMalformed",
      "InvalidSecurity", "RequestTimeTooSkewed", "AccountProblem",
      // versitygw answers an unknown access key with 404 XAdminUserNotFound where AWS answers 403 InvalidAccessKeyId.
      "XAdminUserNotFound");
  /** Codes S3 and compatible servers use when a body does not match the checksum sent with it. */
  private static final Set<String> DIGEST_CODES = Set.of("BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch",
      "XAmzContentSHA256Mismatch", "InvalidChecksum");

  private S3Errors() {}

  public static int status(SdkException e) {
    return e instanceof S3Exception s3 ? s3.statusCode() : 0;
  }

  public static String code(SdkException e) {
    if (e instanceof S3Exception s3 && s3.awsErrorDetails() != null && s3.awsErrorDetails().errorCode() != null) {
      return s3.awsErrorDetails().errorCode();
    }
    return "";
  }

  /** The object (or upload) does not exist; a missing bucket is not this. */
  public static boolean isNotFound(SdkException e) {
    return status(e) == 404 && !isBucketMissing(e) && !AUTH_CODES.contains(code(e));
  }

  public static boolean isNoSuchUpload(SdkException e) {
    return status(e) == 404 && "NoSuchUpload".equals(code(e));
  }

  public static boolean isBucketMissing(SdkException e) {
    return "NoSuchBucket".equals(code(e));
  }

  public static boolean isPreconditionFailed(SdkException e) {
    return status(e) == 412;
  }

  public static boolean isRangeNotSatisfiable(SdkException e) {
    return status(e) == 416;
  }

  /**
   * The server refused a body because it did not match the checksum sent with it. AWS answers
   * {@code 400 BadDigest}; S3Mock answers {@code 400 BadRequest} "Value for x-amz-checksum-crc32c header is
   * invalid" and "Content-MD5 does not match", so the message is consulted for 400s too.
   */
  public static boolean isChecksumRejection(SdkException e) {
    if (status(e) != 400) {
      return false;
    }
    if (DIGEST_CODES.contains(code(e))) {
      return true;
    }
    String message = message(e).toLowerCase(Locale.ROOT);
    return message.contains("x-amz-checksum") || message.contains("content-md5") || message.contains("did not match");
  }

  /** The readiness code a failure means: unreachable, auth, missing bucket, or empty for anything else. */
  public static String reason(Throwable t) {
    if (t instanceof SdkException e) {
      if (isBucketMissing(e)) {
        return Probes.STORAGE_BUCKET_MISSING;
      }
      if (AUTH_CODES.contains(code(e)) || status(e) == 403 || status(e) == 401) {
        return Probes.STORAGE_AUTH_FAILED;
      }
      if (e instanceof SdkClientException) {
        // Checked first: loading credentials from an instance role fails with an IOException cause too.
        if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("unable to load credentials")) {
          return Probes.STORAGE_AUTH_FAILED;
        }
        return Probes.STORAGE_UNREACHABLE;
      }
    }
    return "";
  }

  /** The exception an operation throws for an SDK failure. */
  public static MaintenanceException failure(String operation, String key, SdkException e) {
    String reason = reason(e);
    Map<String, String> details = new LinkedHashMap<>();
    details.put("operation", operation);
    if (!key.isEmpty()) {
      details.put("key", key);
    }
    if (!reason.isEmpty()) {
      details.put("reason", reason);
    }
    if (e instanceof S3Exception s3) {
      details.put("status", Integer.toString(s3.statusCode()));
      if (!code(e).isEmpty()) {
        details.put("s3Code", code(e));
      }
    }
    // Wrong credentials and a missing bucket are the operator's configuration to fix, not worth retrying;
    // every storage provider reports them as CONFIG_INVALID with the readiness code as the reason.
    ErrorCode code = switch (reason) {
      case Probes.STORAGE_UNREACHABLE -> ErrorCode.DEPENDENCY_UNAVAILABLE;
      case Probes.STORAGE_AUTH_FAILED, Probes.STORAGE_BUCKET_MISSING -> ErrorCode.CONFIG_INVALID;
      default -> ErrorCode.STORAGE_FAILURE;
    };
    return new MaintenanceException(code, "S3 " + operation + (key.isEmpty() ? "" : " of '" + key + "'") + " failed: "
        + describe(e), details, e);
  }

  /** A short description: status, S3 code and message, or the client-side cause. */
  public static String describe(SdkException e) {
    if (e instanceof S3Exception s3) {
      String code = code(e);
      return s3.statusCode() + (code.isEmpty() ? "" : " " + code) + (message(e).isEmpty() ? "" : ": " + message(e));
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? clean(e.getMessage()) : root.getClass().getSimpleName() + ": " + clean(root.getMessage());
  }

  private static String message(SdkException e) {
    if (e instanceof S3Exception s3 && s3.awsErrorDetails() != null && s3.awsErrorDetails().errorMessage() != null) {
      return clean(s3.awsErrorDetails().errorMessage());
    }
    return "";
  }

  private static String clean(String s) {
    return s == null ? "" : s.replaceAll("\\p{Cntrl}", " ").trim();
  }
}
