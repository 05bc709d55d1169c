package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One connection to the server. Queries use the compact reply format, whose typed values keep
 * integers exact and tell strings from numbers. Failures become {@code DATASTORE_FAILURE} naming the
 * graph (never the query text, which may hold data).
 */
public final class FalkorConnection implements AutoCloseable {
  private final Jedis jedis;
  private final Duration indexTimeout;
  private final Duration forkWait;

  private FalkorConnection(Jedis jedis, Duration indexTimeout, Duration forkWait) {
    this.jedis = jedis;
    this.indexTimeout = indexTimeout;
    this.forkWait = forkWait;
  }

  public static FalkorConnection open(Settings s) {
    DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis((int) s.connectTimeout().toMillis())
        .socketTimeoutMillis((int) s.socketTimeout().toMillis())
        .database(s.database())
        .ssl(s.tls())
        .clientName("maintenance-falkordb");
    s.user().ifPresent(cfg::user);
    s.password().ifPresent(cfg::password);
    Jedis jedis = new Jedis(new HostAndPort(s.host(), s.port()), cfg.build());
    try {
      jedis.connect();
    } catch (RuntimeException e) {
      jedis.close();
      throw e;
    }
    return new FalkorConnection(jedis, s.indexTimeout(), s.socketTimeout());
  }

  /** A command by name (GRAPH.QUERY, GRAPH.COPY, ...). */
  private record Command(byte[] raw) implements ProtocolCommand {
    static Command of(String name) {
      return new Command(name.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public byte[] getRaw() {
      return raw;
    }
  }

  private static final Command GRAPH_QUERY = Command.of("GRAPH.QUERY");
  private static final Command GRAPH_RO_QUERY = Command.of("GRAPH.RO_QUERY");

  /** The raw reply of any command; Jedis exceptions pass through. */
  public Object raw(String command, String... args) {
    byte[][] bytes = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return jedis.sendCommand(Command.of(command), bytes);
  }

  /** A command whose failure is a {@code DATASTORE_FAILURE} about {@code graph}. */
  public Object command(String graph, String what, String command, String... args) {
    try {
      return raw(command, args);
    } catch (JedisException e) {
      throw FalkorDbErrors.failure(graph, what, e);
    }
  }

  public QueryResult query(String graph, String query, Map<String, ?> params) {
    return run(GRAPH_QUERY, graph, query, params);
  }

  public QueryResult readOnly(String graph, String query, Map<String, ?> params) {
    return run(GRAPH_RO_QUERY, graph, query, params);
  }

  private QueryResult run(Command cmd, String graph, String query, Map<String, ?> params) {
    String text = params.isEmpty() ? query : Cypher.withParams(params, query);
    Object reply;
    try {
      reply = jedis.sendCommand(cmd, graph.getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8),
          COMPACT);
    } catch (JedisException e) {
      throw FalkorDbErrors.failure(graph, "query", e);
    }
    return QueryResult.of(reply);
  }

  private static final byte[] COMPACT = "--compact".getBytes(StandardCharsets.US_ASCII);

  /** Names of the graphs on the server. */
  public List<String> graphList() {
    Object reply = command("*", "list graphs", "GRAPH.LIST");
    List<String> names = new ArrayList<>();
    for (Object o : (List<?>) reply) {
      names.add(text(o));
    }
    return names;
  }

  public boolean exists(String key) {
    return (Long) command(key, "check existence", "EXISTS", key) > 0;
  }

  /**
   * Copies a graph (the server clones it; blocking, not allowed inside MULTI). FalkorDB 4.16 can
   * deadlock the whole server when GRAPH.COPY meets an index that is still being populated, so both
   * sides are first allowed to settle.
   */
  public void copy(String from, String to) {
    awaitIndexes(from, false);
    long deadline = System.nanoTime() + forkWait.toNanos();
    while (true) {
      awaitNoChildProcess(from, deadline);
      try {
        command(from, "copy to '" + to + "'", "GRAPH.COPY", from, to);
        break;
      } catch (MaintenanceException e) {
        // FalkorDB 4.16.6+ gives up when another child (BGSAVE, AOF rewrite, replica sync) holds the fork.
        if (!String.valueOf(e.getMessage()).contains("could not fork") || System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
    awaitIndexes(to, false);
  }

  /**
   * Waits (until {@code deadline}) while the server runs a child process. {@code GRAPH.COPY} forks one
   * of its own, and Redis allows one child at a time: FalkorDB before 4.16.6 then retries the fork
   * forever while holding the server's global lock, which hangs the whole server (seen at 1M nodes
   * when a replica sync's child was still being reaped; {@code cmd_copy.c}); later versions give up.
   * A child starting between this check and the copy's fork cannot be excluded from outside the
   * server (docs/datastore-falkordb.md, Limits).
   */
  private void awaitNoChildProcess(String graph, long deadline) {
    while (true) {
      String info = text(command(graph, "read persistence state", "INFO", "persistence"));
      if (!info.contains("rdb_bgsave_in_progress:1") && !info.contains("aof_rewrite_in_progress:1")
          && !info.contains("module_fork_in_progress:1")) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + graph + "': the server kept a child process (BGSAVE, "
            + "AOF rewrite or replica sync) running for longer than " + forkWait + "; GRAPH.COPY needs a moment without one",
            Map.of("graph", graph));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "interrupted", e);
      }
    }
  }

  /**
   * Waits until no index or constraint of the graph is being built.
   *
   * @param failOnFailedConstraint whether a constraint the data violates is an error (restores) or
   *     just a settled state (copies of live graphs)
   */
  public void awaitIndexes(String key, boolean failOnFailedConstraint) {
    long deadline = System.nanoTime() + indexTimeout.toNanos();
    while (true) {
      boolean pending = false;
      for (List<Object> row : readOnly(key, "CALL db.indexes() YIELD status RETURN status", Map.of()).rows()) {
        pending |= !"OPERATIONAL".equals(row.get(0));
      }
      for (List<Object> row : readOnly(key, "CALL db.constraints() YIELD status, type, label RETURN status, type, label", Map.of()).rows()) {
        if ("FAILED".equals(row.get(0))) {
          if (failOnFailedConstraint) {
            throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the restored data violates a " + row.get(1)
                + " constraint on '" + row.get(2) + "'", Map.of("label", String.valueOf(row.get(2))));
          }
        } else {
          pending |= !"OPERATIONAL".equals(row.get(0));
        }
      }
      if (!pending) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "indexes and constraints of graph '" + key
            + "' were not operational within " + indexTimeout, Map.of("graph", key));
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "interrupted while waiting for indexes", e);
      }
    }
  }

  /**
   * Deletes keys that exist: graphs with GRAPH.DELETE (on FalkorDB 4.16 an UNLINK of a graph made by
   * GRAPH.COPY can drop the source graph from GRAPH.LIST), other keys (our temporary payloads) with DEL.
   */
  public void delete(String... keys) {
    for (String k : keys) {
      String type = text(command(k, "check type", "TYPE", k));
      if (Dump.MODULE_TYPE.equals(type)) {
        command(k, "delete", "GRAPH.DELETE", k);
      } else if (!"none".equals(type)) {
        command(k, "delete", "DEL", k);
      }
    }
  }

  /** Runs a Lua script; its error replies become {@code DATASTORE_FAILURE} about {@code graph}. */
  public Object eval(String graph, String what, String script, List<String> keys, List<String> args) {
    try {
      return jedis.eval(bytes(script), keys.stream().map(FalkorConnection::bytes).toList(),
          args.stream().map(FalkorConnection::bytes).toList());
    } catch (JedisException e) {
      throw FalkorDbErrors.failure(graph, what, e);
    }
  }

  /** Bytes {@code from..to} (inclusive) of a string key. */
  public byte[] getRange(String key, long from, long to) {
    try {
      return jedis.getrange(bytes(key), from, to);
    } catch (JedisException e) {
      throw FalkorDbErrors.failure(key, "read", e);
    }
  }

  /** Appends to a string key, creating it (with an expiry, so that a crash leaves nothing behind for long). */
  public void append(String key, byte[] data, Duration expiry) {
    try {
      if (jedis.append(bytes(key), data) == data.length) {
        jedis.pexpire(bytes(key), expiry.toMillis());
      }
    } catch (JedisException e) {
      throw FalkorDbErrors.failure(key, "upload", e);
    }
  }

  /** A DUMP of a (small) key, whole. */
  public byte[] dump(String key) {
    try {
      return jedis.dump(bytes(key));
    } catch (JedisException e) {
      throw FalkorDbErrors.failure(key, "dump", e);
    }
  }

  /** Starts a MULTI transaction on this connection. */
  public redis.clients.jedis.Transaction multi() {
    return jedis.multi();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    try {
      jedis.close();
    } catch (RuntimeException e) {
      // closing a broken connection
    }
  }

  public static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
