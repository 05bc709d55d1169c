package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.fail;

import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.datastore.falkordb.internal.QueryResult;
import io.maintenance.datastore.falkordb.internal.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The servers scripts/services/falkordb.sh started, and helpers to set up and read test graphs. */
public final class TestServer {
  private TestServer() {}

  public static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      fail(name + " is not set: run the integration tests through scripts/test.sh "
          + "(e.g. SERVICES=\"falkordb\" scripts/test.sh -pl datastore-falkordb -am), which starts FalkorDB");
    }
    return v;
  }

  public static String url() {
    return env("MAINTENANCE_IT_FALKORDB_URL");
  }

  /** A builder pointed at the test server. */
  public static FalkorDbDatastore.Builder datastore(String id) {
    return FalkorDbDatastore.builder(id).uri(url());
  }

  /** The second, empty FalkorDB server (the target of restores into another server). */
  public static String targetUrl() {
    return env("MAINTENANCE_IT_FALKORDB_TARGET_URL");
  }

  /** A raw connection for setting up and inspecting graphs. */
  public static FalkorConnection connect() {
    return connect(url());
  }

  /** Keys matching a pattern (any type). */
  public static List<String> keys(FalkorConnection c, String pattern) {
    List<String> out = new ArrayList<>();
    for (Object k : (List<?>) c.raw("KEYS", pattern)) {
      out.add(FalkorConnection.text(k));
    }
    return out;
  }

  public static FalkorConnection connect(String url) {
    return connect(url, 0);
  }

  /** A raw connection to one logical database of a server. */
  public static FalkorConnection connect(String url, int database) {
    URI u = URI.create(url);
    return FalkorConnection.open(new Settings(u.getHost(), u.getPort(), false, database, Optional.empty(), Optional.empty(), List.of(),
        List.of(), 1000, 1000, Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(1), true, false, "__maintenance__:",
        Path.of(System.getProperty("java.io.tmpdir")), Settings.Format.PHYSICAL, Long.MAX_VALUE,
        Settings.DumpSource.COPY));
  }

  public static QueryResult query(FalkorConnection c, String graph, String cypher) {
    return c.query(graph, cypher, Map.of());
  }

  public static QueryResult query(FalkorConnection c, String graph, String cypher, Map<String, ?> params) {
    return c.query(graph, cypher, params);
  }

  /** Deletes every graph whose name starts with {@code prefix} (and our reserved keys for them). */
  public static void dropGraphs(FalkorConnection c, String prefix) {
    for (String g : c.graphList()) {
      if (g.startsWith(prefix) || g.startsWith("__maintenance__:")) {
        c.delete(g);
      }
    }
    for (String k : keys(c, "__maintenance__:*")) {
      c.delete(k);
    }
  }

  /**
   * A canonical rendering of a graph independent of ids: sorted node renderings, then sorted edge
   * renderings (type, properties and the renderings of both endpoints).
   */
  public static String render(FalkorConnection c, String graph) {
    if (!c.exists(graph)) {
      return "<absent>";
    }
    List<String> nodes = new ArrayList<>();
    for (List<Object> row : query(c, graph, "MATCH (n) RETURN labels(n), properties(n)").rows()) {
      nodes.add(node(row.get(0), row.get(1)));
    }
    List<String> edges = new ArrayList<>();
    for (List<Object> row : query(c, graph,
        "MATCH (a)-[e]->(b) RETURN labels(a), properties(a), type(e), properties(e), labels(b), properties(b)").rows()) {
      edges.add(node(row.get(0), row.get(1)) + " -[" + row.get(2) + " " + props(row.get(3)) + "]-> " + node(row.get(4), row.get(5)));
    }
    nodes.sort(null);
    edges.sort(null);
    return "nodes:\n" + String.join("\n", nodes) + "\nedges:\n" + String.join("\n", edges) + "\nschema:\n"
        + String.join("\n", io.maintenance.datastore.falkordb.internal.GraphOps.schema(c, graph).describe());
  }

  private static String node(Object labels, Object props) {
    List<String> l = new ArrayList<>();
    for (Object o : (List<?>) labels) {
      l.add(String.valueOf(o));
    }
    l.sort(null);
    return "(" + String.join(":", l) + " " + props(props) + ")";
  }

  private static String props(Object map) {
    return new TreeMap<>((Map<?, ?>) map).entrySet().stream().map(e -> e.getKey() + "=" + value(e.getValue()))
        .collect(Collectors.joining(", ", "{", "}"));
  }

  private static String value(Object v) {
    if (v instanceof List<?> list) {
      return list.stream().map(TestServer::value).collect(Collectors.joining(",", "[", "]"));
    }
    if (v instanceof String s) {
      return "'" + s + "'";
    }
    return String.valueOf(v);
  }
}
