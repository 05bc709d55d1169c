package io.maintenance.datastore.qdrant.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns transport and server failures into {@link MaintenanceException}s with the plugin's reason codes. */
public final class QdrantErrors {
  public static final String UNREACHABLE = "QDRANT_UNREACHABLE";
  public static final String UNAUTHORIZED = "QDRANT_UNAUTHORIZED";
  public static final String VERSION_UNSUPPORTED = "QDRANT_VERSION_UNSUPPORTED";
  public static final String FORBIDDEN = "QDRANT_FORBIDDEN";
  public static final String PEER_MISSING = "QDRANT_PEER_MISSING";

  private QdrantErrors() {}

  /** The exception to throw for a failed call, keeping a {@code MaintenanceException} found in the cause chain. */
  public static MaintenanceException of(String what, Throwable e) {
    MaintenanceException inner = find(e);
    if (inner != null) {
      return inner;
    }
    Map<String, String> details = new LinkedHashMap<>();
    if (unauthorized(e)) {
      details.put("reason", UNAUTHORIZED);
      return new MaintenanceException(ErrorCode.CONFIG_INVALID,
          what + ": Qdrant rejected the API key (" + e.getMessage() + ")", details, e);
    }
    if (forbidden(e)) {
      details.put("reason", FORBIDDEN);
      return new MaintenanceException(ErrorCode.CONFIG_INVALID,
          what + ": the API key lacks the rights for this (" + e.getMessage() + ")", details, e);
    }
    if (unreachable(e)) {
      details.put("reason", UNREACHABLE);
      return new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE, what + ": Qdrant is unreachable (" + message(e) + ")",
          details, e);
    }
    if (e instanceof QdrantHttpException h) {
      details.put("httpStatus", Integer.toString(h.status()));
      details.put("serverMessage", h.serverMessage());
      if (h.checksumMismatch()) {
        return new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, what + ": " + h.serverMessage(), details, e);
      }
    }
    return new MaintenanceException(ErrorCode.DATASTORE_FAILURE, what + ": " + message(e), details, e);
  }

  public static boolean unauthorized(Throwable e) {
    return (e instanceof QdrantHttpException h && h.unauthorized())
        || (e instanceof GrpcGateway.GrpcFailure g && g.unauthorized());
  }

  public static boolean forbidden(Throwable e) {
    return (e instanceof QdrantHttpException h && h.forbidden())
        || (e instanceof GrpcGateway.GrpcFailure g && g.code() == io.grpc.Status.Code.PERMISSION_DENIED);
  }

  public static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof GrpcGateway.GrpcFailure g) {
        return g.unreachable();
      }
      if (t instanceof QdrantHttpException) {
        return false;
      }
      if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException || t instanceof java.net.NoRouteToHostException
          || t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException
          || (t instanceof java.net.SocketTimeoutException && String.valueOf(t.getMessage()).contains("connect"))) {
        return true;
      }
    }
    return e instanceof HttpTimeoutException;
  }

  public static MaintenanceException find(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MaintenanceException me) {
        return me;
      }
    }
    return null;
  }

  static String message(Throwable e) {
    String m = e.getMessage();
    if ((m == null || m.isBlank()) && e.getCause() != null) {
      return message(e.getCause());
    }
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
