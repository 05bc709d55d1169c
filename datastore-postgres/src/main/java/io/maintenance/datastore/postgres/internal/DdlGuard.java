package io.maintenance.datastore.postgres.internal;

import io.maintenance.datastore.postgres.internal.Model.Ddl;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postgresql.core.NativeQuery;
import org.postgresql.core.Parser;

/**
 * Schema statements come from an artifact, so before one runs it must be exactly one statement (split
 * with the driver's own lexer, which knows quotes, dollar quotes and comments) of the kind its entry
 * declares. Anything else is rejected as {@code INCOMPATIBLE_ARTIFACT}; nothing from row data ever
 * becomes SQL text.
 */
final class DdlGuard {
  private static final Map<String, List<String>> PREFIXES = Map.of(
      "type", List.of("CREATE TYPE ", "CREATE DOMAIN "),
      "sequence", List.of("CREATE SEQUENCE "),
      "table", List.of("CREATE TABLE ", "CREATE UNLOGGED TABLE "),
      "check", List.of("ALTER TABLE ONLY "),
      "key", List.of("ALTER TABLE ONLY "),
      "foreign-key", List.of("ALTER TABLE ONLY "),
      "index", List.of("CREATE INDEX ", "CREATE UNIQUE INDEX "),
      "owned-by", List.of("ALTER SEQUENCE "));

  /** What each kind of object of the database artifact may run (format 2). */
  private static final Map<String, List<String>> OBJECT_PREFIXES = Map.ofEntries(
      Map.entry("schema", List.of("CREATE SCHEMA IF NOT EXISTS ", "ALTER SCHEMA ")),
      Map.entry("extension", List.of("CREATE EXTENSION IF NOT EXISTS ")),
      Map.entry("collation", List.of("CREATE COLLATION ", "ALTER COLLATION ")),
      Map.entry("type", List.of("CREATE TYPE ", "CREATE DOMAIN ", "ALTER TYPE ", "ALTER DOMAIN ")),
      Map.entry("function", List.of("CREATE OR REPLACE FUNCTION ", "CREATE OR REPLACE PROCEDURE ", "CREATE AGGREGATE ",
          "ALTER FUNCTION ", "ALTER PROCEDURE ", "ALTER AGGREGATE ")),
      Map.entry("sequence", List.of("CREATE SEQUENCE ", "ALTER SEQUENCE ")),
      Map.entry("table", List.of("CREATE TABLE ", "CREATE UNLOGGED TABLE ", "ALTER TABLE ")),
      Map.entry("default", List.of("ALTER TABLE ONLY ")),
      Map.entry("view", List.of("CREATE VIEW ", "ALTER TABLE ")),
      Map.entry("matview", List.of("CREATE MATERIALIZED VIEW ", "ALTER MATERIALIZED VIEW ")),
      Map.entry("constraint", List.of("ALTER TABLE ONLY ", "ALTER INDEX ")),
      Map.entry("foreign-key", List.of("ALTER TABLE ")),
      Map.entry("index", List.of("CREATE INDEX ", "CREATE UNIQUE INDEX ", "ALTER INDEX ", "ALTER TABLE ")),
      Map.entry("trigger", List.of("CREATE TRIGGER ", "CREATE CONSTRAINT TRIGGER ", "ALTER TABLE ")),
      Map.entry("policy", List.of("CREATE POLICY ")),
      Map.entry("rule", List.of("CREATE RULE ")),
      Map.entry("statistics", List.of("CREATE STATISTICS ", "ALTER STATISTICS ")),
      Map.entry("default-acl", List.of("ALTER DEFAULT PRIVILEGES ")),
      Map.entry("comment", List.of("COMMENT ON ")),
      Map.entry("acl", List.of("GRANT ", "REVOKE ")));

  private DdlGuard() {}

  /**
   * Checks every statement of an object of the database artifact: exactly one statement, of a kind its
   * object may run. Function bodies and view definitions are code by nature; what this rules out is a
   * second statement, or a statement of another kind, smuggled into an entry.
   */
  static void check(SchemaObject o) {
    List<String> allowed = OBJECT_PREFIXES.get(o.kind());
    String where = DatabaseArtifact.JSON;
    if (allowed == null) {
      throw PostgresErrors.artifact(where, 0, "object " + Sql.printable(o.id()) + " is of unknown kind '" + Sql.printable(o.kind()) + "'");
    }
    if (o.sql().isEmpty()) {
      throw PostgresErrors.artifact(where, 0, "object " + Sql.printable(o.id()) + " has no statement");
    }
    for (String sql : o.sql()) {
      String upper = sql.stripLeading().toUpperCase(Locale.ROOT);
      if (allowed.stream().noneMatch(upper::startsWith)) {
        throw PostgresErrors.artifact(where, 0, "a statement of " + Sql.printable(o.id()) + " must start with one of " + allowed)
            .with("object", Sql.printable(o.id()));
      }
      single(where, o.id(), sql);
    }
  }

  private static void single(String where, String id, String sql) {
    List<NativeQuery> parts;
    try {
      parts = Parser.parseJdbcSql(sql, true, false, true, false, false);
    } catch (SQLException e) {
      throw PostgresErrors.artifact(where, 0, "a statement of " + Sql.printable(id) + " does not parse: " + e.getMessage());
    }
    long statements = parts.stream().filter(q -> !q.nativeSql.isBlank()).count();
    if (statements != 1) {
      throw PostgresErrors.artifact(where, 0, "a statement of " + Sql.printable(id) + " holds " + statements
          + " statements; exactly one is allowed").with("object", Sql.printable(id));
    }
  }

  /**
   * Checks a statement of {@code t}'s artifact: right kind, one statement, and for table-level kinds the
   * header's own table, so an artifact cannot create or alter a table other than the one it names.
   */
  static String check(Model.Table t, Ddl ddl) {
    String table = t.resourceName();
    check(table, ddl);
    String upper = ddl.sql().stripLeading();
    switch (ddl.kind()) {
      case "table" -> {
        if (!(upper.startsWith("CREATE TABLE " + t.qualified() + " (")
            || upper.startsWith("CREATE UNLOGGED TABLE " + t.qualified() + " ("))) {
          throw PostgresErrors.artifact(table, 0, "its CREATE TABLE statement does not create " + Sql.printable(t.qualified()));
        }
      }
      case "check", "key", "foreign-key" -> {
        if (!upper.startsWith("ALTER TABLE ONLY " + t.qualified() + " ADD CONSTRAINT ")) {
          throw PostgresErrors.artifact(table, 0, "a constraint statement does not alter " + Sql.printable(t.qualified()));
        }
      }
      default -> { }
    }
    return ddl.sql();
  }

  static String check(String table, Ddl ddl) {
    List<String> allowed = PREFIXES.get(ddl.kind());
    if (allowed == null) {
      throw PostgresErrors.artifact(table, 0, "schema statement of unknown kind '" + Sql.printable(ddl.kind()) + "'");
    }
    String upper = ddl.sql().stripLeading().toUpperCase(Locale.ROOT);
    if (allowed.stream().noneMatch(upper::startsWith)) {
      throw PostgresErrors.artifact(table, 0, "a '" + ddl.kind() + "' schema statement must start with " + allowed);
    }
    if (("check".equals(ddl.kind()) || "key".equals(ddl.kind()) || "foreign-key".equals(ddl.kind()))
        && !upper.contains(" ADD CONSTRAINT ")) {
      throw PostgresErrors.artifact(table, 0, "a '" + ddl.kind() + "' schema statement must add a constraint");
    }
    List<NativeQuery> parts;
    try {
      parts = Parser.parseJdbcSql(ddl.sql(), true, false, true, false, false);
    } catch (SQLException e) {
      throw PostgresErrors.artifact(table, 0, "a schema statement does not parse: " + e.getMessage());
    }
    long statements = parts.stream().filter(q -> !q.nativeSql.isBlank()).count();
    if (statements != 1) {
      throw PostgresErrors.artifact(table, 0, "a schema statement holds " + statements + " statements; exactly one is allowed");
    }
    return ddl.sql();
  }
}
