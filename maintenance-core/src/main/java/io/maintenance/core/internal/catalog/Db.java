package io.maintenance.core.internal.catalog;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small JDBC helpers: transactions, parameter binding, and SQL errors turned into error codes.
 *
 * <p>Every wait on the catalog has an end: a connection that cannot be obtained is tried again with
 * backoff until the catalog timeout has passed (nothing ran yet, so that is always safe; a catalog
 * that refuses connections for a few seconds is ridden out), and every statement runs under a network
 * timeout of the same length, so a catalog that stops answering fails the call instead of hanging it.
 */
public final class Db {
  private static final Logger LOG = LoggerFactory.getLogger(Db.class);
  /** pgjdbc ignores the executor of setNetworkTimeout; the JDBC signature wants one. */
  private static final Executor DIRECT = Runnable::run;

  private final DataSource dataSource;
  private final Duration timeout;

  public Db(DataSource dataSource, Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "the catalog timeout must be positive, was " + timeout);
    }
    this.dataSource = dataSource;
    this.timeout = timeout;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public Duration timeout() {
    return timeout;
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
    try (Connection c = connect(timeout)) {
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
    try (Connection c = connect(timeout)) {
      return work.run(c);
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  /**
   * A connection with the network timeout set, trying again (with backoff) while the catalog refuses
   * connections, for at most {@code patience}. Wrong credentials or a missing database fail at once.
   */
  public Connection connect(Duration patience) throws SQLException {
    long deadline = System.nanoTime() + patience.toNanos();
    long pauseMillis = 50;
    while (true) {
      try {
        Connection c = dataSource.getConnection();
        networkTimeout(c, timeout);
        return c;
      } catch (SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean permanent = state.startsWith("28") || state.equals("3D000");
        long left = deadline - System.nanoTime();
        if (permanent || left <= 0) {
          throw e;
        }
        LOG.debug("Catalog connection refused ({}); trying again", e.getMessage());
        try {
          Thread.sleep(Math.min(pauseMillis, Math.max(1, left / 1_000_000)));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
        pauseMillis = Math.min(pauseMillis * 2, 1000);
      }
    }
  }

  /** Bounds every wait for the server on this connection. */
  public static void networkTimeout(Connection c, Duration timeout) {
    try {
      c.setNetworkTimeout(DIRECT, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    } catch (SQLException | UnsupportedOperationException e) {
      // A driver without network timeouts: the host's pool settings bound the waits.
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
    if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300") || state.equals("55000")
        || state.equals("57014")) {
      return new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE, "catalog database unavailable: " + e.getMessage(), e);
    }
    if (state.equals("28P01") || state.equals("28000")) {
      return new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE, "catalog database rejected the credentials", e);
    }
    // The server's text may quote what a caller sent; it goes to the log, the caller gets the state.
    LOG.warn("Catalog query failed (SQLSTATE {}): {}", state, e.getMessage());
    return new MaintenanceException(ErrorCode.INTERNAL_ERROR, "catalog query failed (SQLSTATE " + state + "); see the log", e);
  }
}
