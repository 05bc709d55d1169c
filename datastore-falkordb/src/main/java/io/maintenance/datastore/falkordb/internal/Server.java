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
