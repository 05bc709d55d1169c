package io.maintenance.datastore.falkordb.internal;

import redis.clients.jedis.exceptions.JedisException;

/** The FalkorDB server of one datastore as the plugin reaches it: its settings, the graph selection, connections, our keys. */
public final class Server {
  public static final String TYPE = "falkordb";
  /** The resource kind of a graph in manifests and plans. */
  public static final String KIND = "graph";

  private final String id;
  private final Settings settings;
  private final GraphSelector selector;

  public Server(String id, Settings settings) {
    this.id = id;
    this.settings = settings;
    this.selector = new GraphSelector(settings.include(), settings.exclude(), settings.reservedPrefix());
  }

  public String id() {
    return id;
  }

  public Settings settings() {
    return settings;
  }

  GraphSelector selector() {
    return selector;
  }

  FalkorConnection connect() {
    try {
      return FalkorConnection.open(settings);
    } catch (JedisException e) {
      throw FalkorDbErrors.connectFailed(id, settings, e);
    }
  }

  /** The graph module's version, e.g. {@code 4.16.3}; fails when the module is not loaded. */
  String version(FalkorConnection c) {
    try {
      return Probe.versionText(Probe.moduleVersion(c));
    } catch (JedisException e) {
      throw FalkorDbErrors.moduleUnavailable(id, settings, e);
    }
  }

  /** Work on a graph to {@code DUMP}, given the key to read (the graph itself or a copy of it). */
  interface OnDumpSource<T> {
    T apply(String key) throws java.io.IOException;
  }

  /**
   * Runs {@code work} on what a fingerprint or a diff DUMPs (setting {@code dump-source}): a private
   * {@code GRAPH.COPY} of {@code graph} under a reserved key, deleted afterwards whatever happens, or
   * the live graph. FalkorDB 4.16's {@code DUMP} unloads a graph's matrices and loads them back under the
   * graph's read lock only, so another client's query of the graph meanwhile reads wrong results or
   * crashes the server; nobody else reads our copy. The copy keeps the graph's ids, names, schema and
   * content ({@code GRAPH.COPY} encodes and decodes it like {@code DUMP} / {@code RESTORE}), so its
   * fingerprint is the graph's. The physical backup DUMPs the live graph (its payload must carry the
   * graph's own name).
   */
  <T> T onDumpSource(FalkorConnection c, String graph, String purpose, String operation, OnDumpSource<T> work)
      throws java.io.IOException {
    if (settings.dumpSource() == Settings.DumpSource.LIVE) {
      return work.apply(graph);
    }
    String copy = reserved(purpose, operation, graph);
    c.delete(copy);
    Throwable failure = null;
    try {
      c.copy(graph, copy);
      return work.apply(copy);
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      try {
        c.delete(copy);
      } catch (RuntimeException e) {
        if (failure == null) {
          throw e;
        }
        failure.addSuppressed(e); // the first failure is the one to report
      }
    }
  }

  /** A key of ours: never selected for backup, unique per operation. */
  public String reserved(String purpose, String operation, String graph) {
    String op = operation.replaceAll("[^A-Za-z0-9_-]", "_");
    if (op.length() > 64) {
      op = op.substring(0, 64);
    }
    return settings.reservedPrefix() + purpose + ":" + op + ":" + graph;
  }

  @Override
  public String toString() {
    return settings.toString();
  }
}
