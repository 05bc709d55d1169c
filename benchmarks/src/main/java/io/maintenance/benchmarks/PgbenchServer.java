package io.maintenance.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The PostgreSQL server the pgbench benchmarks run against ({@code PG_PORT}, {@code PG_USER}, started by
 * benchmarks/lib/pgbench-server.sh): data sources, fresh databases and a checksum of pgbench's tables.
 */
public final class PgbenchServer {
  private static final List<String> TABLES = List.of("pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history");

  private final int port = Integer.parseInt(env("PG_PORT", "5432"));
  private final String user = env("PG_USER", "postgres");

  public int port() {
    return port;
  }

  public String user() {
    return user;
  }

  public PGSimpleDataSource dataSource(String db) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"127.0.0.1"});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName(db);
    ds.setUser(user);
    return ds;
  }

  /** Drops (with its sessions) and creates an empty database. */
  public void recreate(String db) throws SQLException {
    try (Connection c = dataSource("postgres").getConnection(); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      st.execute("CREATE DATABASE " + db);
    }
  }

  /** Row count and a sum of row hashes per pgbench table: equal for equal data. */
  public static String checksum(PGSimpleDataSource ds) throws SQLException {
    StringBuilder sb = new StringBuilder();
    for (String t : TABLES) {
      sb.append(query(ds, "SELECT count(*) || ':' || coalesce(sum(hashtext(x::text)::bigint), 0) FROM " + t + " x")).append(' ');
    }
    return sb.toString();
  }

  /** The first column of the first row. */
  public static String query(PGSimpleDataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  public static String env(String key, String def) {
    String v = System.getenv(key);
    return v == null || v.isBlank() ? def : v;
  }
}
