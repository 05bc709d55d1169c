package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.Probes.ProbeFailure;
import java.util.Map;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/** Turns client and server failures into {@link MaintenanceException}s and probe failures with the plugin's codes. */
public final class FalkorDbErrors {
  public static final String UNREACHABLE = "FALKORDB_UNREACHABLE";
  public static final String AUTH_FAILED = "FALKORDB_AUTH_FAILED";
  public static final String MODULE_MISSING = "FALKORDB_MODULE_MISSING";
  public static final String VERSION_UNSUPPORTED = "FALKORDB_VERSION_UNSUPPORTED";

  private FalkorDbErrors() {}

  /** A failed command on a graph (or one of our keys). */
  public static MaintenanceException failure(String graph, String what, JedisException e) {
    boolean connection = e instanceof JedisConnectionException;
    String message = "FalkorDB " + what + " of graph '" + graph + "' failed: " + serverMessage(e);
    return new MaintenanceException(connection ? ErrorCode.DEPENDENCY_UNAVAILABLE : ErrorCode.DATASTORE_FAILURE, message,
        Map.of("graph", graph), e);
  }

  static MaintenanceException connectFailed(String id, Settings settings, JedisException e) {
    boolean auth = authProblem(e);
    return new MaintenanceException(auth ? ErrorCode.DATASTORE_FAILURE : ErrorCode.DEPENDENCY_UNAVAILABLE,
        (auth ? "authentication to FalkorDB failed at " : "cannot connect to FalkorDB at ") + settings.host() + ":"
            + settings.port() + ": " + serverMessage(e), Map.of("datastore", id), e);
  }

  static MaintenanceException moduleUnavailable(String id, Settings settings, JedisException e) {
    return new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE,
        "the FalkorDB graph module is not available at " + settings.host() + ":" + settings.port() + ": "
            + serverMessage(e), Map.of("datastore", id), e);
  }

  /** The probe's verdict on a failed connection or command. */
  static ProbeFailure probeFailure(Settings settings, JedisException e) {
    if (authProblem(e)) {
      return new ProbeFailure(AUTH_FAILED, "FalkorDB at " + settings.host() + ":" + settings.port() + " refused the credentials of user '"
          + settings.user().orElse("default") + "'");
    }
    if (e instanceof JedisConnectionException) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return new ProbeFailure(UNREACHABLE, "cannot reach FalkorDB at " + settings.host() + ":" + settings.port() + ": "
          + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : " " + root.getMessage()));
    }
    if (String.valueOf(e.getMessage()).contains("unknown command")) {
      return new ProbeFailure(MODULE_MISSING, "the server at " + settings.host() + ":" + settings.port()
          + " answers but the FalkorDB graph module is not loaded");
    }
    return new ProbeFailure(UNREACHABLE, "FalkorDB check failed: " + serverMessage(e));
  }

  private static boolean authProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (t instanceof JedisAccessControlException || m.startsWith("WRONGPASS") || m.startsWith("NOAUTH")
          || m.contains("invalid username-password") || m.contains("invalid password")) {
        return true;
      }
    }
    return false;
  }

  /** The server's message without the query excerpt it may quote (which can hold data). */
  public static String serverMessage(Exception e) {
    String m = String.valueOf(e.getMessage());
    int ctx = m.indexOf("errCtx");
    if (ctx >= 0) {
      m = m.substring(0, ctx).trim();
    }
    return m.length() > 300 ? m.substring(0, 300) + "..." : m;
  }
}
