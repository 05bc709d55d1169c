package io.maintenance.datastore.postgres.internal;

import io.maintenance.datastore.postgres.PostgresDatastore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * {@link PostgresDatastore#discard}: empties a drill's sandbox database of what a restore put there, in one
 * transaction.
 *
 * <p>With the {@code schema} resource (a restore of a whole backup: every schema object came from it), every user
 * schema is dropped {@code CASCADE} (with its tables, types, functions, sequences, per-schema default privileges,
 * and the extensions installed in it), database-wide default privileges are reset, and {@code public} is created
 * again as a fresh database has it (owner, grants and comment of the server's version). Extensions in system schemas
 * ({@code plpgsql}) are left. With table resources only (a format-1 backup), the tables are dropped {@code CASCADE}
 * and a schema of theirs other than {@code public} that is empty afterwards goes too. Roles are never touched: a
 * restore does not create them.
 */
public final class Discard {
  private static final String USER_SCHEMAS = "SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema'"
      + " AND nspname !~ '^pg_' ORDER BY nspname";

  private Discard() {}

  public static void run(DataSource ds, Settings settings, Set<String> resources) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        Catalog.configureSession(c);
        Jdbc.lockTimeout(c, settings.lockTimeout());
        if (resources.contains(Fingerprints.SCHEMA)) {
          whole(c);
        } else {
          tables(c, resources);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private static void whole(Connection c) throws SQLException {
    for (String schema : strings(c, USER_SCHEMAS)) {
      Jdbc.exec(c, "DROP SCHEMA " + Sql.quote(schema) + " CASCADE");
    }
    // Database-wide default privileges (ALTER DEFAULT PRIVILEGES without IN SCHEMA) belong to no schema.
    for (String[] acl : rows(c, "SELECT pg_get_userbyid(defaclrole), defaclobjtype::text FROM pg_default_acl")) {
      String kind = switch (acl[1]) {
        case "r" -> "TABLES";
        case "S" -> "SEQUENCES";
        case "f" -> "FUNCTIONS";
        case "T" -> "TYPES";
        case "n" -> "SCHEMAS";
        default -> null;
      };
      if (kind != null) {
        resetDefaultPrivileges(c, acl[0], kind);
      }
    }
    // public as initdb creates it: owned by pg_database_owner with USAGE for everyone (15+), or by the bootstrap
    // superuser with CREATE and USAGE for everyone (before 15).
    boolean fifteen = c.getMetaData().getDatabaseMajorVersion() >= 15;
    String owner = fifteen ? "pg_database_owner" : strings(c, "SELECT rolname FROM pg_roles WHERE oid = 10").get(0);
    Jdbc.exec(c, "CREATE SCHEMA public AUTHORIZATION " + Sql.quote(owner));
    Jdbc.exec(c, "GRANT " + (fifteen ? "USAGE" : "CREATE, USAGE") + " ON SCHEMA public TO PUBLIC");
    Jdbc.exec(c, "COMMENT ON SCHEMA public IS 'standard public schema'");
  }

  /**
   * Puts a role's database-wide default privileges for one kind back to the built-in ones: the owner holds all,
   * PUBLIC holds EXECUTE on functions and USAGE on types. PostgreSQL removes the entry once it equals those.
   */
  private static void resetDefaultPrivileges(Connection c, String role, String kind) throws SQLException {
    String alter = "ALTER DEFAULT PRIVILEGES FOR ROLE " + Sql.quote(role) + " ";
    Jdbc.exec(c, alter + "REVOKE ALL ON " + kind + " FROM PUBLIC");
    for (String[] grantee : rows(c, "SELECT DISTINCT pg_get_userbyid(a.grantee) FROM pg_default_acl d, aclexplode(d.defaclacl) a"
        + " WHERE d.defaclnamespace = 0 AND pg_get_userbyid(d.defaclrole) = ? AND a.grantee NOT IN (0, d.defaclrole)", role)) {
      Jdbc.exec(c, alter + "REVOKE ALL ON " + kind + " FROM " + Sql.quote(grantee[0]));
    }
    Jdbc.exec(c, alter + "GRANT ALL ON " + kind + " TO " + Sql.quote(role));
    if (kind.equals("FUNCTIONS")) {
      Jdbc.exec(c, alter + "GRANT EXECUTE ON FUNCTIONS TO PUBLIC");
    } else if (kind.equals("TYPES")) {
      Jdbc.exec(c, alter + "GRANT USAGE ON TYPES TO PUBLIC");
    }
  }

  private static void tables(Connection c, Set<String> resources) throws SQLException {
    Map<String, Model.TableRef> live = Catalog.byResourceName(c);
    Set<String> schemas = new TreeSet<>();
    for (String name : new TreeSet<>(resources)) {
      Model.TableRef t = live.get(name);
      if (t != null) {
        Jdbc.exec(c, "DROP TABLE IF EXISTS " + t.qualified() + " CASCADE");
        schemas.add(t.schema());
      }
    }
    for (String schema : schemas) {
      if (!schema.equals("public") && Jdbc.exists(c, "SELECT 1 FROM pg_namespace n WHERE n.nspname = ? AND NOT EXISTS"
          + " (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid)", schema)) {
        Jdbc.exec(c, "DROP SCHEMA " + Sql.quote(schema));
      }
    }
  }

  private static List<String> strings(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    for (String[] r : rows(c, sql)) {
      out.add(r[0]);
    }
    return out;
  }

  private static List<String[]> rows(Connection c, String sql, String... params) throws SQLException {
    List<String[]> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          String[] row = new String[n];
          for (int i = 0; i < n; i++) {
            row[i] = rs.getString(i + 1);
          }
          out.add(row);
        }
      }
    }
    return out;
  }
}
