package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Turns JDBC failures into {@link MaintenanceException}s without leaking data values or secrets. */
public final class PostgresErrors {
  private static final Pattern COPY_LINE = Pattern.compile("COPY [^,]+, line (\\d+)(?:, column ([^:]+))?");
  private static final Pattern QUOTED_VALUE = Pattern.compile(":\\s*\".*$", Pattern.DOTALL);

  private PostgresErrors() {}

  /** A bad artifact, naming the table and (when known, 1-based) the row. */
  public static MaintenanceException artifact(String table, long row, String problem) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("table", Sql.printable(table));
    if (row > 0) {
      details.put("row", Long.toString(row));
    }
    String where = row > 0 ? Sql.printable(table) + " row " + row : Sql.printable(table);
    return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, where + ": " + problem, details);
  }

  /**
   * A failure while loading rows of {@code table}: data errors (class 22) and constraint violations
   * (class 23) mean the artifact does not fit and name the row; anything else is the server's failure.
   */
  public static MaintenanceException load(String table, SQLException e) {
    return load(table, e, 0);
  }

  /** The same, for data that starts after {@code rowsBefore} rows of the table (a later part of a split table). */
  public static MaintenanceException load(String table, SQLException e, long rowsBefore) {
    if (e.getCause() instanceof MaintenanceException me) {
      return me;
    }
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.startsWith("22") || state.startsWith("23")) {
      long row = 0;
      String column = null;
      String problem = e.getMessage();
      if (e instanceof PSQLException pe && pe.getServerErrorMessage() != null) {
        ServerErrorMessage m = pe.getServerErrorMessage();
        problem = m.getMessage();
        if (m.getWhere() != null) {
          Matcher matcher = COPY_LINE.matcher(m.getWhere());
          if (matcher.find()) {
            row = rowsBefore + Long.parseLong(matcher.group(1));
            column = matcher.group(2);
          }
        }
      }
      // Keep the reason, drop the offending value: row data may be sensitive.
      problem = QUOTED_VALUE.matcher(String.valueOf(problem)).replaceFirst("");
      MaintenanceException me = artifact(table, row, (column == null ? "" : "column " + column + ": ") + problem
          + " (SQLSTATE " + state + ")");
      return me.with("sqlState", state);
    }
    return datastore("loading " + Sql.printable(table) + " failed", e);
  }

  public static MaintenanceException datastore(String what, SQLException e) {
    if (e.getCause() instanceof MaintenanceException me) {
      return me;
    }
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    ErrorCode code = state.startsWith("08") ? ErrorCode.DEPENDENCY_UNAVAILABLE : ErrorCode.DATASTORE_FAILURE;
    return new MaintenanceException(code, what + ": " + e.getMessage() + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")"),
        state.isEmpty() ? Map.of() : Map.of("sqlState", state), e);
  }
}
