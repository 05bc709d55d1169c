package io.maintenance.storage.gcs.internal;

import com.google.auth.Retryable;
import com.google.cloud.storage.StorageException;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.Probes;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * Turns Cloud Storage failures into {@link MaintenanceException}s with the library's codes. The
 * {@code reason} detail carries the readiness code ({@code STORAGE_AUTH_FAILED},
 * {@code STORAGE_BUCKET_MISSING}, {@code STORAGE_UNREACHABLE}) so that hosts can tell a
 * configuration problem from an outage. Messages never contain session URIs or credentials.
 */
public final class GcsErrors {
  private GcsErrors() {}

  /** A failed HTTP exchange; {@code what} names the operation and key, e.g. {@code "upload of 'a/b'"}. */
  public static MaintenanceException status(int status, String what, String bucket, String serverMessage) {
    String detail = serverMessage == null || serverMessage.isBlank() ? "" : ": " + abbreviate(serverMessage);
    if (status == 401 || status == 403) {
      return new MaintenanceException(ErrorCode.CONFIG_INVALID,
          what + " was refused by Cloud Storage (HTTP " + status + "); check the credentials and their permissions on bucket '"
              + bucket + "'" + detail,
          Map.of("reason", Probes.STORAGE_AUTH_FAILED, "bucket", bucket, "httpStatus", Integer.toString(status)));
    }
    return new MaintenanceException(ErrorCode.STORAGE_FAILURE, what + " failed with HTTP " + status + detail,
        Map.of("bucket", bucket, "httpStatus", Integer.toString(status)));
  }

  public static MaintenanceException bucketMissing(String what, String bucket) {
    return new MaintenanceException(ErrorCode.CONFIG_INVALID,
        what + " failed: bucket '" + bucket + "' does not exist", Map.of("reason", Probes.STORAGE_BUCKET_MISSING, "bucket", bucket));
  }

  /** A library call that threw. */
  public static MaintenanceException translate(StorageException e, String what, String bucket) {
    if (isAuthFailure(e)) {
      return new MaintenanceException(ErrorCode.CONFIG_INVALID,
          what + " failed: Cloud Storage rejected the credentials (" + abbreviate(e.getMessage()) + ")",
          Map.of("reason", Probes.STORAGE_AUTH_FAILED, "bucket", bucket), e);
    }
    if (isUnreachable(e)) {
      return new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE,
          what + " failed: Cloud Storage is unreachable (" + abbreviate(e.getMessage()) + ")",
          Map.of("reason", Probes.STORAGE_UNREACHABLE, "bucket", bucket), e);
    }
    if (e.getCode() == 404) {
      return bucketMissing(what, bucket);
    }
    return new MaintenanceException(ErrorCode.STORAGE_FAILURE, what + " failed: " + abbreviate(e.getMessage()),
        Map.of("bucket", bucket, "httpStatus", Integer.toString(e.getCode())), e);
  }

  /** An I/O failure of our own HTTP exchanges after the retries ran out. */
  public static MaintenanceException io(java.io.IOException e, String what, String bucket) {
    if (isAuthFailure(e)) {
      return new MaintenanceException(ErrorCode.CONFIG_INVALID,
          what + " failed: no access token for Cloud Storage (" + abbreviate(e.getMessage()) + ")",
          Map.of("reason", Probes.STORAGE_AUTH_FAILED, "bucket", bucket), e);
    }
    if (isUnreachable(e)) {
      return new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE,
          what + " failed: Cloud Storage is unreachable (" + e.getClass().getSimpleName() + ")",
          Map.of("reason", Probes.STORAGE_UNREACHABLE, "bucket", bucket), e);
    }
    return new MaintenanceException(ErrorCode.STORAGE_FAILURE, what + " failed: " + abbreviate(String.valueOf(e.getMessage())),
        Map.of("bucket", bucket), e);
  }

  /** Rejected or unobtainable credentials (a token endpoint refusing a key counts, an unreachable one does not). */
  public static boolean isAuthFailure(Throwable t) {
    if (t instanceof StorageException se && (se.getCode() == 401 || se.getCode() == 403)) {
      return true;
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      // google-auth reports token failures as a (package-private) GoogleAuthException, a Retryable IOException.
      if (c instanceof Retryable && c instanceof java.io.IOException) {
        return !isUnreachable(c.getCause());
      }
      // Credentials that cannot refresh a rejected token fail inside the auth library itself.
      if (c instanceof IllegalStateException && c.getStackTrace().length > 0
          && c.getStackTrace()[0].getClassName().startsWith("com.google.auth.")) {
        return true;
      }
    }
    return false;
  }

  public static boolean isUnreachable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof NoRouteToHostException
          || c instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    String oneLine = s.replaceAll("\\s+", " ").trim();
    return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
  }
}
