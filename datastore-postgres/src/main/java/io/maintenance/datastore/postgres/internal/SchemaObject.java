package io.maintenance.datastore.postgres.internal;

import java.util.List;
import java.util.Objects;

/**
 * One database object as the database artifact records it, like an entry of {@code pg_dump}'s table of
 * contents.
 *
 * @param id stable identity across databases and versions: kind and {@code pg_identify_object}-style name,
 *     e.g. {@code table app.customers}, {@code function app.full_name(text, text)}
 * @param kind schema, extension, collation, type, function, sequence, table, default, view, matview,
 *     index, constraint, foreign-key, trigger, policy, rule, statistics, comment, acl, default-acl
 * @param table the resource name ({@code schema.table}) of the table or view the object belongs to, or null
 * @param section {@code pre} (before the rows) or {@code post} (after them)
 * @param sql the statements that create it, each exactly one statement
 * @param dependsOn ids of the objects that must exist first (from {@code pg_depend})
 */
public record SchemaObject(
    String id, String kind, String schema, String table, String section, List<String> sql, List<String> dependsOn) {
  public static final String PRE = "pre";
  public static final String POST = "post";

  public SchemaObject {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(section, "section");
    sql = List.copyOf(sql);
    dependsOn = List.copyOf(dependsOn);
  }

  /** What the diff compares: the statements (the same text means the same definition). */
  public String definition() {
    return String.join(";\n", sql);
  }

  public boolean pre() {
    return PRE.equals(section);
  }
}
