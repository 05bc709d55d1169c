package io.maintenance.core.internal.catalog;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Small JDBC helpers: transactions, parameter binding, and SQL errors turned into error codes. */
public final class Db {
  private final DataSource dataSource;

  public Db(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  @FunctionalInterface
  public interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  @FunctionalInterface
  public interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** Runs work in one transaction: committed if it returns, rolled back if it throws. */
  public <T> T tx(SqlWork<T> work) {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c, e);
        throw e;
      } finally {
        restoreAutoCommit(c, auto);
      }
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  /** Runs work on one connection in auto-commit mode. */
  public <T> T call(SqlWork<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  public static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    try {
      bind(c, ps, params);
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }

  public static int update(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, params)) {
      return ps.executeUpdate();
    }
  }

  public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(mapper.map(rs));
      }
      return out;
    }
  }

  public static <T> Optional<T> queryOne(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
    List<T> rows = query(c, sql, mapper, params);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  /** Catalog times are microsecond precision, like PostgreSQL's timestamptz. */
  public static Instant micros(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS);
  }

  public static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  public static Optional<Instant> optionalInstant(ResultSet rs, String column) throws SQLException {
    return Optional.ofNullable(instant(rs, column));
  }

  public static List<String> textArray(ResultSet rs, String column) throws SQLException {
    Array a = rs.getArray(column);
    return a == null ? List.of() : Arrays.asList((String[]) a.getArray());
  }

  /** A jsonb parameter, bound as text and cast in SQL ({@code ?::jsonb}). */
  public record JsonText(String json) {}

  private static void bind(Connection c, PreparedStatement ps, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      int idx = i + 1;
      if (p == null) {
        ps.setObject(idx, null);
      } else if (p instanceof Instant t) {
        ps.setObject(idx, OffsetDateTime.ofInstant(micros(t), ZoneOffset.UTC));
      } else if (p instanceof List<?> list) {
        ps.setArray(idx, c.createArrayOf("text", list.toArray()));
      } else if (p instanceof JsonText j) {
        ps.setString(idx, j.json());
      } else if (p instanceof Enum<?> e) {
        ps.setString(idx, e.name());
      } else {
        ps.setObject(idx, p);
      }
    }
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private static void restoreAutoCommit(Connection c, boolean auto) {
    try {
      c.setAutoCommit(auto);
    } catch (SQLException e) {
      // the connection is closed next anyway
    }
  }

  /** Connection problems are retryable dependency failures; anything else is a bug or a broken catalog. */
  public static MaintenanceException translate(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")) {
      return new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE, "catalog database unavailable: " + e.getMessage(), e);
    }
    if (state.equals("28P01") || state.equals("28000")) {
      return new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE, "catalog database rejected the credentials", e);
    }
    return new MaintenanceException(ErrorCode.INTERNAL_ERROR, "catalog query failed (SQLSTATE " + state + "): " + e.getMessage(), e);
  }
}
