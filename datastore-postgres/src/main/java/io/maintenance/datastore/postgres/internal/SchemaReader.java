package io.maintenance.datastore.postgres.internal;

import static io.maintenance.datastore.postgres.internal.CatalogObjects.USER_NS;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.key;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.notExtensionMember;

import io.maintenance.datastore.postgres.internal.CatalogObjects.Obj;
import io.maintenance.datastore.postgres.internal.DatabaseSchema.SequenceState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Reads every object of a database's user schemas from the system catalogs, as DDL produced by the
 * server's own deparsers ({@code pg_get_viewdef}, {@code pg_get_functiondef}, {@code pg_get_triggerdef},
 * {@code pg_get_constraintdef}, {@code pg_get_indexdef}, {@code pg_get_partkeydef}, {@code pg_get_expr},
 * {@code pg_get_ruledef}, {@code pg_get_statisticsobjdef}, {@code format_type}) under
 * {@code search_path = pg_catalog}, so every name is qualified and quoted by the server. Objects are
 * ordered by {@code pg_depend} and split like {@code pg_dump}: what must exist before the rows (pre) and
 * what is built after them (post). Objects that belong to extensions are represented by the extension.
 */
public final class SchemaReader {
  private final CatalogObjects found;
  private final Connection c;

  private SchemaReader(Connection c) throws SQLException {
    this.found = new CatalogObjects(c);
    this.c = c;
  }

  /**
   * Reads the schema. {@code selected} chooses the tables whose rows are backed up; when it selects a
   * subset ({@code whole} false) only those tables, the objects on them and what they depend on are kept.
   */
  public static DatabaseSchema read(Connection c, Predicate<String> selected, boolean whole) throws SQLException {
    SchemaReader r = new SchemaReader(c);
    r.readAll();
    return r.result(selected, whole);
  }

  private void readAll() throws SQLException {
    TypeReader types = new TypeReader(found);
    TableReader tables = new TableReader(found);
    PostDataReader postData = new PostDataReader(found);
    types.schemas();
    types.extensions();
    types.collations();
    types.types();
    types.functions();
    tables.sequences();
    tables.relations();
    tables.defaults();
    postData.constraints();
    postData.indexes();
    postData.triggers();
    postData.policies();
    postData.rules();
    postData.statistics();
    postData.defaultAcls();
    dependencies();
    unsupportedObjects();
  }

  // ------------------------------------------------------------------------------------------ order

  private void dependencies() throws SQLException {
    // Only user objects (OIDs from FirstNormalObjectId on) are read, so only their dependencies on each other matter.
    found.query("SELECT d.classid, d.objid, d.refclassid, d.refobjid FROM pg_depend d WHERE d.deptype IN ('n', 'a', 'i', 'P', 'S')"
        + " AND d.objid >= 16384 AND d.refobjid >= 16384", rs -> {
      Obj from = found.byKey.get(key(found.className(rs.getLong(1)), rs.getLong(2)));
      Obj to = found.byKey.get(key(found.className(rs.getLong(3)), rs.getLong(4)));
      if (from == null || to == null || from == to) {
        return;
      }
      if (to.kind.equals("table") && from.kind.equals("sequence") && from.id.startsWith("sequence ")) {
        return; // OWNED BY: the sequence exists before its table; the owner object links them
      }
      // A table's internal dependency on its rowtype and the like point from the part to the whole.
      from.deps.add(to);
    });
    // Everything in a schema needs the schema.
    for (Obj o : found.byId.values()) {
      if (o.schema != null && !o.kind.equals("schema")) {
        Obj s = found.schemaObjects.get(o.schema);
        if (s != null) {
          o.deps.add(s);
        }
      }
      o.deps.remove(null);
      o.deps.remove(o);
    }
  }

  private void unsupportedObjects() throws SQLException {
    count("SELECT count(*) FROM pg_event_trigger WHERE " + notExtensionMember("pg_event_trigger", "oid"), "event trigger(s)");
    count("SELECT count(*) FROM pg_publication", "publication(s)");
    count("SELECT count(*) FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        "subscription(s)");
    count("SELECT count(*) FROM pg_largeobject_metadata", "large object(s)");
    count("SELECT count(*) FROM pg_foreign_server WHERE " + notExtensionMember("pg_foreign_server", "oid"), "foreign server(s)");
    count("SELECT count(*) FROM pg_type t WHERE t.typtype = 'b' AND t.typnamespace IN " + USER_NS + " AND "
        + notExtensionMember("pg_type", "t.oid") + " AND t.typelem = 0", "base type(s)");
    count("SELECT count(*) FROM pg_operator o WHERE o.oprnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_operator", "o.oid"),
        "operator(s)");
    count("SELECT count(*) FROM pg_opclass o WHERE o.opcnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_opclass", "o.oid"),
        "operator class(es)");
    count("SELECT count(*) FROM pg_ts_config o WHERE o.cfgnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_ts_config", "o.oid"),
        "text search configuration(s)");
    count("SELECT count(*) FROM pg_cast o WHERE o.oid >= 16384 AND " + notExtensionMember("pg_cast", "o.oid"), "cast(s)");
  }

  private void count(String sql, String what) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      if (rs.getLong(1) > 0) {
        found.unsupported.add(rs.getLong(1) + " " + what);
      }
    }
  }

  private DatabaseSchema result(Predicate<String> selected, boolean whole) {
    Set<Obj> keep = new LinkedHashSet<>();
    if (whole) {
      keep.addAll(found.byId.values());
    } else {
      // The selected tables, everything on them, and (transitively) what they need; other tables are outside.
      for (Obj o : found.byId.values()) {
        if (o.table != null && selected.test(o.table) && !o.kind.equals("view") && !o.kind.equals("matview")) {
          keep.add(o);
        }
      }
      List<Obj> queue = new ArrayList<>(keep);
      while (!queue.isEmpty()) {
        Obj o = queue.remove(queue.size() - 1);
        for (Obj d : o.deps) {
          if (keep.contains(d) || (d.table != null && !selected.test(d.table))) {
            continue;
          }
          keep.add(d);
          queue.add(d);
        }
      }
      // Comments and grants of what is kept.
      for (Obj o : found.byId.values()) {
        if ((o.kind.equals("comment") || o.kind.equals("acl")) && o.deps.stream().allMatch(keep::contains)) {
          keep.add(o);
        }
      }
    }
    // A pre-data object that needs a post-data one (a view on a key) moves after the rows, with its dependents.
    boolean moved = true;
    while (moved) {
      moved = false;
      for (Obj o : keep) {
        if (o.section.equals(SchemaObject.PRE) && o.deps.stream().anyMatch(d -> keep.contains(d) && d.section.equals(SchemaObject.POST))) {
          o.section = SchemaObject.POST;
          moved = true;
        }
      }
    }
    List<Obj> ordered = new ArrayList<>();
    ordered.addAll(topological(keep, SchemaObject.PRE));
    ordered.addAll(topological(keep, SchemaObject.POST));
    List<SchemaObject> objects = new ArrayList<>();
    Map<String, String> drops = new LinkedHashMap<>();
    for (Obj o : ordered) {
      List<String> deps = o.deps.stream().filter(keep::contains).map(d -> d.id).distinct().toList();
      objects.add(new SchemaObject(o.id, o.kind, o.schema, o.table, o.section, o.sql, deps));
      if (o.drop != null) {
        drops.put(o.id, o.drop);
      }
    }
    Set<String> keptTables = new LinkedHashSet<>();
    ordered.stream().filter(o -> o.kind.equals("table")).forEach(o -> keptTables.add(o.table));
    List<String> tables = found.dataTables.stream().filter(t -> keptTables.contains(t) && (whole || selected.test(t)))
        .sorted(java.util.Comparator.comparingInt(t -> ordered.indexOf(byTable(ordered, t)))).toList();
    Map<String, SequenceState> seqs = new LinkedHashMap<>();
    Set<String> keptSequences = new java.util.HashSet<>();
    for (Obj o : ordered) {
      if (o.kind.equals("sequence") && o.id.startsWith("sequence ")) {
        keptSequences.add(o.id.substring("sequence ".length()));
      }
      for (String s : o.sql) {
        int at = s.indexOf("SEQUENCE NAME ");
        if (o.kind.equals("table") && at >= 0) {
          keptSequences.add(s.substring(at + "SEQUENCE NAME ".length(), s.indexOf(" START WITH ", at)));
        }
      }
    }
    found.sequences.forEach((k, v) -> {
      if (keptSequences.contains(k)) {
        seqs.put(k, v);
      }
    });
    Set<String> ids = new java.util.HashSet<>();
    objects.forEach(o -> ids.add(o.id()));
    String versionText;
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('server_version')")) {
      rs.next();
      versionText = rs.getString(1);
    } catch (SQLException e) {
      versionText = Integer.toString(found.version);
    }
    Set<String> usedRoles = new TreeSet<>();
    for (SchemaObject o : objects) {
      for (String s : o.sql()) {
        for (String r : found.roles) {
          if (s.contains(Sql.quote(r))) {
            usedRoles.add(r);
          }
        }
      }
    }
    Map<String, String> exts = new LinkedHashMap<>();
    found.extensions.forEach((k, v) -> {
      if (keep.contains(found.extensionObjects.get(k))) {
        exts.put(k, v);
      }
    });
    return new DatabaseSchema(whole, found.version, versionText, objects, tables, seqs,
        found.populated.stream().filter(ids::contains).toList(), List.copyOf(usedRoles), exts, found.unsupported, drops);
  }

  private static Obj byTable(List<Obj> ordered, String table) {
    return ordered.stream().filter(o -> o.kind.equals("table") && table.equals(o.table)).findFirst().orElse(null);
  }

  private static final List<String> KIND_ORDER = List.of("schema", "extension", "collation", "type", "function", "sequence",
      "table", "default", "view", "matview", "constraint", "index", "foreign-key", "trigger", "rule", "policy", "statistics",
      "default-acl", "comment", "acl");

  /** Dependencies first; among objects free to go, kind order then name (stable across runs). */
  private static List<Obj> topological(Set<Obj> keep, String section) {
    List<Obj> todo = new ArrayList<>();
    for (Obj o : keep) {
      if (o.section.equals(section)) {
        todo.add(o);
      }
    }
    todo.sort(java.util.Comparator.comparingInt((Obj o) -> KIND_ORDER.indexOf(o.kind)).thenComparing(o -> o.id));
    List<Obj> out = new ArrayList<>();
    Set<Obj> done = new java.util.HashSet<>();
    for (Obj o : keep) {
      if (!o.section.equals(section)) {
        done.add(o); // the other section is ordered on its own
      }
    }
    Set<Obj> visiting = new java.util.HashSet<>();
    for (Obj o : todo) {
      visit(o, keep, done, visiting, out);
    }
    return out;
  }

  private static void visit(Obj o, Set<Obj> keep, Set<Obj> done, Set<Obj> visiting, List<Obj> out) {
    if (done.contains(o) || !visiting.add(o)) {
      return; // done, or a cycle: the kind order decides
    }
    List<Obj> deps = new ArrayList<>(o.deps);
    deps.sort(java.util.Comparator.comparingInt((Obj d) -> KIND_ORDER.indexOf(d.kind)).thenComparing(d -> d.id));
    for (Obj d : deps) {
      if (keep.contains(d)) {
        visit(d, keep, done, visiting, out);
      }
    }
    visiting.remove(o);
    if (done.add(o)) {
      out.add(o);
    }
  }
}
