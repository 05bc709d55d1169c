package io.maintenance.datastore.postgres.internal;

import static io.maintenance.datastore.postgres.internal.CatalogObjects.USER_NS;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.key;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.notExtensionMember;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.stripSemicolon;

import io.maintenance.datastore.postgres.internal.CatalogObjects.Obj;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads what is built after the rows: constraints and foreign keys, indexes, triggers, policies, rules,
 * extended statistics and default privileges.
 */
final class PostDataReader {
  private final CatalogObjects found;

  PostDataReader(CatalogObjects found) {
    this.found = found;
  }

  void constraints() throws SQLException {
    found.query("SELECT co.oid, quote_ident(co.conname), pg_get_constraintdef(co.oid), co.contype, quote_ident(n.nspname) || '.'"
        + " || quote_ident(c.relname), c.relkind, n.nspname, c.relname, co.conparentid, co.conindid, co.convalidated,"
        + " (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pi.relname) FROM pg_constraint pc JOIN pg_class pi ON pi.oid = pc.conindid"
        + "   JOIN pg_namespace pn ON pn.oid = pi.relnamespace WHERE pc.oid = co.conparentid),"
        + " (SELECT quote_ident(xn.nspname) || '.' || quote_ident(x.relname) FROM pg_class x JOIN pg_namespace xn ON xn.oid = x.relnamespace"
        + "   WHERE x.oid = co.conindid), c.oid"
        + " FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE co.contype IN ('p', 'u', 'x', 'f', 'c') AND c.relkind IN ('r', 'p') AND c.relnamespace IN " + USER_NS
        + " AND " + notExtensionMember("pg_class", "c.oid") + " AND (co.conislocal OR co.conparentid <> 0)"
        + " ORDER BY 5, 2", rs -> {
          String type = rs.getString(4);
          if ("c".equals(type) && rs.getBoolean(11)) {
            return; // inline in CREATE TABLE
          }
          if ("f".equals(type) && rs.getLong(9) != 0) {
            return; // cloned from the partitioned parent's foreign key
          }
          String table = rs.getString(5);
          String name = rs.getString(2);
          boolean partitioned = "p".equals(rs.getString(6));
          Obj o = found.add(("f".equals(type) ? "foreign key " : "constraint ") + name + " on " + table,
              "f".equals(type) ? "foreign-key" : "constraint", rs.getString(7), Sql.resourceName(rs.getString(7), rs.getString(8)),
              SchemaObject.POST, key("pg_constraint", rs.getLong(1)));
          if (!"f".equals(type) && rs.getLong(10) != 0) {
            o.keys.add(key("pg_class", rs.getLong(10)));
            found.byKey.put(key("pg_class", rs.getLong(10)), o);
          }
          o.sql.add("ALTER TABLE " + ("f".equals(type) && partitioned ? "" : "ONLY ") + table + " ADD CONSTRAINT " + name + " "
              + rs.getString(3));
          if (!"f".equals(type) && rs.getLong(9) != 0 && rs.getString(12) != null) {
            o.sql.add("ALTER INDEX " + rs.getString(12) + " ATTACH PARTITION " + rs.getString(13));
          }
          o.drop = "ALTER TABLE " + ("f".equals(type) && partitioned ? "" : "ONLY ") + table + " DROP CONSTRAINT " + name;
          o.deps.add(found.byKey.get(key("pg_class", rs.getLong(14))));
          found.comment(o, "pg_constraint", rs.getLong(1), 0, "CONSTRAINT " + name + " ON " + table);
        });
  }

  void indexes() throws SQLException {
    found.query("SELECT i.indexrelid, quote_ident(n.nspname) || '.' || quote_ident(ic.relname), pg_get_indexdef(i.indexrelid),"
        + " n.nspname, t.relname, (SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.relname) FROM pg_inherits h"
        + "   JOIN pg_class p ON p.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE h.inhrelid = i.indexrelid),"
        + " i.indisclustered, i.indisreplident, quote_ident(tn.nspname) || '.' || quote_ident(t.relname), t.oid"
        + " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace"
        + " JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace"
        + " WHERE t.relkind IN ('r', 'p', 'm') AND t.relnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_class", "t.oid")
        + " AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x'))"
        + " ORDER BY 2", rs -> {
          String q = rs.getString(2);
          Obj o = found.add("index " + q, "index", rs.getString(4), Sql.resourceName(rs.getString(4), rs.getString(5)), SchemaObject.POST,
              key("pg_class", rs.getLong(1)));
          o.sql.add(rs.getString(3));
          if (rs.getString(6) != null) {
            o.sql.add("ALTER INDEX " + rs.getString(6) + " ATTACH PARTITION " + q);
          }
          o.drop = "DROP INDEX " + q;
          o.deps.add(found.byKey.get(key("pg_class", rs.getLong(10))));
          found.comment(o, "pg_class", rs.getLong(1), 0, "INDEX " + q);
        });
    // Clustering and replica identity name an index (or a key's index); they come after it.
    found.query("SELECT i.indexrelid, quote_ident(tn.nspname) || '.' || quote_ident(t.relname), quote_ident(ic.relname),"
        + " i.indisclustered, i.indisreplident, tn.nspname, t.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
        + " JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace"
        + " WHERE (i.indisclustered OR i.indisreplident) AND t.relnamespace IN " + USER_NS, rs -> {
          Obj idx = found.byKey.get(key("pg_class", rs.getLong(1)));
          if (idx == null) {
            return;
          }
          Obj o = found.add("index-use " + rs.getString(2) + "." + rs.getString(3), "index", rs.getString(6),
              Sql.resourceName(rs.getString(6), rs.getString(7)), SchemaObject.POST);
          if (rs.getBoolean(4)) {
            o.sql.add("ALTER TABLE " + rs.getString(2) + " CLUSTER ON " + rs.getString(3));
          }
          if (rs.getBoolean(5)) {
            o.sql.add("ALTER TABLE ONLY " + rs.getString(2) + " REPLICA IDENTITY USING INDEX " + rs.getString(3));
          }
          o.deps.add(idx);
        });
  }

  void triggers() throws SQLException {
    String notClone = found.version >= 130000 ? " AND tg.tgparentid = 0" : "";
    found.query("SELECT tg.oid, quote_ident(tg.tgname), pg_get_triggerdef(tg.oid), tg.tgenabled, quote_ident(n.nspname) || '.'"
        + " || quote_ident(c.relname), n.nspname, c.relname, c.oid FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid"
        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT tg.tgisinternal" + notClone + " AND c.relnamespace IN "
        + USER_NS + " AND " + notExtensionMember("pg_class", "c.oid") + " ORDER BY 5, 2", rs -> {
          String table = rs.getString(5);
          String name = rs.getString(2);
          Obj o = found.add("trigger " + name + " on " + table, "trigger", rs.getString(6), Sql.resourceName(rs.getString(6), rs.getString(7)),
              SchemaObject.POST, key("pg_trigger", rs.getLong(1)));
          o.sql.add(rs.getString(3));
          switch (rs.getString(4)) {
            case "D" -> o.sql.add("ALTER TABLE " + table + " DISABLE TRIGGER " + name);
            case "R" -> o.sql.add("ALTER TABLE " + table + " ENABLE REPLICA TRIGGER " + name);
            case "A" -> o.sql.add("ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + name);
            default -> { }
          }
          o.drop = "DROP TRIGGER " + name + " ON " + table;
          o.deps.add(found.byKey.get(key("pg_class", rs.getLong(8))));
          found.comment(o, "pg_trigger", rs.getLong(1), 0, "TRIGGER " + name + " ON " + table);
        });
  }

  void policies() throws SQLException {
    found.query("SELECT p.oid, quote_ident(p.polname), quote_ident(n.nspname) || '.' || quote_ident(c.relname), p.polpermissive, p.polcmd,"
        + " (SELECT array_agg(CASE WHEN r = 0 THEN '' ELSE pg_get_userbyid(r) END ORDER BY r) FROM unnest(p.polroles) r)::text[],"
        + " pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), n.nspname, c.relname, c.oid"
        + " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE c.relnamespace IN " + USER_NS + " ORDER BY 3, 2", rs -> {
          String table = rs.getString(3);
          String name = rs.getString(2);
          Obj o = found.add("policy " + name + " on " + table, "policy", rs.getString(9), Sql.resourceName(rs.getString(9), rs.getString(10)),
              SchemaObject.POST, key("pg_policy", rs.getLong(1)));
          String cmd = switch (rs.getString(5)) {
            case "r" -> "SELECT";
            case "a" -> "INSERT";
            case "w" -> "UPDATE";
            case "d" -> "DELETE";
            default -> "ALL";
          };
          List<String> to = new ArrayList<>();
          for (String r : (String[]) rs.getArray(6).getArray()) {
            to.add(r.isEmpty() ? "PUBLIC" : found.role(r));
          }
          o.sql.add("CREATE POLICY " + name + " ON " + table + " AS " + (rs.getBoolean(4) ? "PERMISSIVE" : "RESTRICTIVE")
              + " FOR " + cmd + " TO " + String.join(", ", to) + (rs.getString(7) == null ? "" : " USING (" + rs.getString(7) + ")")
              + (rs.getString(8) == null ? "" : " WITH CHECK (" + rs.getString(8) + ")"));
          o.drop = "DROP POLICY " + name + " ON " + table;
          o.deps.add(found.byKey.get(key("pg_class", rs.getLong(11))));
          found.comment(o, "pg_policy", rs.getLong(1), 0, "POLICY " + name + " ON " + table);
        });
  }

  void rules() throws SQLException {
    found.query("SELECT r.oid, quote_ident(r.rulename), pg_get_ruledef(r.oid), quote_ident(n.nspname) || '.' || quote_ident(c.relname),"
        + " n.nspname, c.relname, c.oid FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE r.rulename <> '_RETURN' AND c.relnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_class", "c.oid")
        + " ORDER BY 4, 2", rs -> {
          String table = rs.getString(4);
          Obj o = found.add("rule " + rs.getString(2) + " on " + table, "rule", rs.getString(5), Sql.resourceName(rs.getString(5),
              rs.getString(6)), SchemaObject.POST, key("pg_rewrite", rs.getLong(1)));
          o.sql.add(stripSemicolon(rs.getString(3)));
          o.drop = "DROP RULE " + rs.getString(2) + " ON " + table;
          o.deps.add(found.byKey.get(key("pg_class", rs.getLong(7))));
          found.comment(o, "pg_rewrite", rs.getLong(1), 0, "RULE " + rs.getString(2) + " ON " + table);
        });
  }

  void statistics() throws SQLException {
    found.query("SELECT s.oid, quote_ident(n.nspname) || '.' || quote_ident(s.stxname), pg_get_statisticsobjdef(s.oid), n.nspname,"
        + " pg_get_userbyid(s.stxowner), (to_jsonb(s) ->> 'stxstattarget')::int, c.relname, c.oid FROM pg_statistic_ext s"
        + " JOIN pg_namespace n ON n.oid = s.stxnamespace JOIN pg_class c ON c.oid = s.stxrelid"
        + " WHERE s.stxnamespace IN " + USER_NS + " ORDER BY 2", rs -> {
          String q = rs.getString(2);
          Obj o = found.add("statistics " + q, "statistics", rs.getString(4), null, SchemaObject.POST, key("pg_statistic_ext", rs.getLong(1)));
          o.sql.add(rs.getString(3));
          int target = rs.getInt(6);
          if (!rs.wasNull() && target >= 0) {
            o.sql.add("ALTER STATISTICS " + q + " SET STATISTICS " + target);
          }
          o.sql.add("ALTER STATISTICS " + q + " OWNER TO " + found.role(rs.getString(5)));
          o.drop = "DROP STATISTICS " + q;
          o.deps.add(found.byKey.get(key("pg_class", rs.getLong(8))));
          found.comment(o, "pg_statistic_ext", rs.getLong(1), 0, "STATISTICS " + q);
        });
  }

  void defaultAcls() throws SQLException {
    found.query("SELECT d.oid, pg_get_userbyid(d.defaclrole), CASE WHEN d.defaclnamespace <> 0 THEN quote_ident(n.nspname) END,"
        + " d.defaclobjtype, d.defaclacl::text, n.nspname FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace"
        + " ORDER BY 2, 3, 4", rs -> {
          String type = rs.getString(4);
          String objects = switch (type) {
            case "r" -> "TABLES";
            case "S" -> "SEQUENCES";
            case "f" -> "FUNCTIONS";
            case "T" -> "TYPES";
            default -> "SCHEMAS";
          };
          String scope = "FOR ROLE " + found.role(rs.getString(2)) + (rs.getString(3) == null ? "" : " IN SCHEMA " + rs.getString(3));
          String prefix = "ALTER DEFAULT PRIVILEGES " + scope;
          Obj o = found.add("default privileges " + scope + " ON " + objects, "default-acl", rs.getString(6), null, SchemaObject.POST,
              key("pg_default_acl", rs.getLong(1)));
          if (rs.getString(3) == null) {
            // A global entry replaces the built-in defaults.
            o.sql.add(prefix + " REVOKE ALL ON " + objects + " FROM PUBLIC");
            o.sql.add(prefix + " REVOKE ALL ON " + objects + " FROM " + found.role(rs.getString(2)));
          }
          for (AclItem item : AclItem.parse(rs.getString(5))) {
            found.role(item);
            for (String g : item.grants(type)) {
              boolean option = g.endsWith("*");
              o.sql.add(prefix + " GRANT " + (option ? g.substring(0, g.length() - 1) : g) + " ON " + objects + " TO "
                  + item.granteeSql() + (option ? " WITH GRANT OPTION" : ""));
            }
          }
          Set<String> grantees = new LinkedHashSet<>();
          AclItem.parse(rs.getString(5)).forEach(i -> grantees.add(i.granteeSql()));
          o.drop = prefix + " REVOKE ALL ON " + objects + " FROM " + String.join(", ", grantees);
        });
  }
}
