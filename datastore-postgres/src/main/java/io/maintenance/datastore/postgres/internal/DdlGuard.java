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

  private DdlGuard() {}

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
          throw Errors.artifact(table, 0, "its CREATE TABLE statement does not create " + Sql.printable(t.qualified()));
        }
      }
      case "check", "key", "foreign-key" -> {
        if (!upper.startsWith("ALTER TABLE ONLY " + t.qualified() + " ADD CONSTRAINT ")) {
          throw Errors.artifact(table, 0, "a constraint statement does not alter " + Sql.printable(t.qualified()));
        }
      }
      default -> { }
    }
    return ddl.sql();
  }

  static String check(String table, Ddl ddl) {
    List<String> allowed = PREFIXES.get(ddl.kind());
    if (allowed == null) {
      throw Errors.artifact(table, 0, "schema statement of unknown kind '" + Sql.printable(ddl.kind()) + "'");
    }
    String upper = ddl.sql().stripLeading().toUpperCase(Locale.ROOT);
    if (allowed.stream().noneMatch(upper::startsWith)) {
      throw Errors.artifact(table, 0, "a '" + ddl.kind() + "' schema statement must start with " + allowed);
    }
    if (("check".equals(ddl.kind()) || "key".equals(ddl.kind()) || "foreign-key".equals(ddl.kind()))
        && !upper.contains(" ADD CONSTRAINT ")) {
      throw Errors.artifact(table, 0, "a '" + ddl.kind() + "' schema statement must add a constraint");
    }
    List<NativeQuery> parts;
    try {
      parts = Parser.parseJdbcSql(ddl.sql(), true, false, true, false, false);
    } catch (SQLException e) {
      throw Errors.artifact(table, 0, "a schema statement does not parse: " + e.getMessage());
    }
    long statements = parts.stream().filter(q -> !q.nativeSql.isBlank()).count();
    if (statements != 1) {
      throw Errors.artifact(table, 0, "a schema statement holds " + statements + " statements; exactly one is allowed");
    }
    return ddl.sql();
  }
}
