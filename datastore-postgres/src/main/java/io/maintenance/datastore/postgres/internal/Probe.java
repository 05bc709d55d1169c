package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.support.Probes;
import io.maintenance.spi.support.Probes.ProbeFailure;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Readiness: reachability, credentials, server version and the privileges backup and restore need. */
public final class Probe {
  public static final String UNREACHABLE = "POSTGRES_UNREACHABLE";
  public static final String AUTH_FAILED = "POSTGRES_AUTH_FAILED";
  public static final String PERMISSION_DENIED = "POSTGRES_PERMISSION_DENIED";
  public static final String VERSION_UNSUPPORTED = "POSTGRES_VERSION_UNSUPPORTED";
  /** PostgreSQL 12 brought the shortest-exact float output and generated columns this plugin relies on. */
  static final int MIN_VERSION_NUM = 120000;

  private Probe() {}

  public static ProbeResult run(String component, DataSource ds, TableSelector selector) {
    return Probes.run(component, UNREACHABLE, () -> check(ds, selector));
  }

  private static Map<String, String> check(DataSource ds, TableSelector selector) throws ProbeFailure {
    try (Connection c = ds.getConnection()) {
      Map<String, String> facts = new LinkedHashMap<>();
      int versionNum;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT current_setting('server_version'), current_setting('server_version_num')::int, current_database()");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        facts.put("version", rs.getString(1));
        facts.put("database", rs.getString(3));
        versionNum = rs.getInt(2);
      }
      if (versionNum < MIN_VERSION_NUM) {
        throw new ProbeFailure(VERSION_UNSUPPORTED, ProbeStatus.DOWN,
            "PostgreSQL " + facts.get("version") + " is older than 12, the oldest version this plugin supports", null);
      }
      List<String> denied = new ArrayList<>();
      int tables = 0;
      for (Model.TableRef t : Catalog.tables(c, selector)) {
        tables++;
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT has_schema_privilege(?::oid, 'USAGE') AND has_table_privilege(?::oid, 'SELECT')"
                + " FROM pg_class WHERE oid = ?::oid")) {
          ps.setLong(1, namespaceOf(c, t.oid()));
          ps.setLong(2, t.oid());
          ps.setLong(3, t.oid());
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next() && !rs.getBoolean(1)) {
              denied.add(Sql.printable(t.resourceName()));
            }
          }
        }
      }
      facts.put("tables", Integer.toString(tables));
      if (!denied.isEmpty()) {
        throw new ProbeFailure(PERMISSION_DENIED, "the role cannot read " + denied.size() + " selected table(s), e.g. "
            + String.join(", ", denied.subList(0, Math.min(3, denied.size()))));
      }
      return facts;
    } catch (SQLException e) {
      throw classify(e);
    }
  }

  private static long namespaceOf(Connection c, long oid) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT relnamespace FROM pg_class WHERE oid = ?::oid")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Maps connection failures to codes; the message never carries the password. */
  static ProbeFailure classify(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String detail = e.getMessage() + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")");
    if (state.equals("28P01") || state.equals("28000")) {
      return new ProbeFailure(AUTH_FAILED, ProbeStatus.DOWN, detail, null);
    }
    if (state.equals("42501")) {
      return new ProbeFailure(PERMISSION_DENIED, ProbeStatus.DOWN, detail, null);
    }
    if (state.startsWith("08") || state.equals("3D000") || state.equals("57P03") || state.equals("53300")
        || e.getCause() instanceof ConnectException || e.getCause() instanceof UnknownHostException) {
      return new ProbeFailure(UNREACHABLE, ProbeStatus.DOWN, detail, null);
    }
    return new ProbeFailure(UNREACHABLE, ProbeStatus.DOWN, detail, null);
  }
}
