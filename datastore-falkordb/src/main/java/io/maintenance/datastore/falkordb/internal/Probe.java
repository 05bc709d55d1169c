package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ProbeResult;
import io.maintenance.spi.support.Probes;
import io.maintenance.spi.support.Probes.ProbeFailure;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.exceptions.JedisException;

/** The readiness check: the server answers, accepts the credentials, runs the graph module in a supported version. */
public final class Probe {
  /** The oldest FalkorDB with everything the artifacts use (vecf32, GRAPH.COPY, vector indexes). */
  public static final int MIN_VERSION = 40000;

  private final Server server;

  public Probe(Server server) {
    this.server = server;
  }

  public ProbeResult probe() {
    return Probes.run(server.id(), FalkorDbErrors.UNREACHABLE, () -> {
      FalkorConnection c;
      try {
        c = FalkorConnection.open(server.settings());
      } catch (JedisException e) {
        throw FalkorDbErrors.probeFailure(server.settings(), e);
      }
      try (c) {
        try {
          c.raw("PING");
        } catch (JedisException e) {
          throw FalkorDbErrors.probeFailure(server.settings(), e);
        }
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("redisVersion", redisVersion(c));
        int version;
        try {
          version = moduleVersion(c);
        } catch (JedisException e) {
          throw FalkorDbErrors.probeFailure(server.settings(), e);
        }
        facts.put("version", versionText(version));
        if (version < MIN_VERSION) {
          throw new ProbeFailure(FalkorDbErrors.VERSION_UNSUPPORTED, "FalkorDB " + versionText(version) + " is older than the supported "
              + versionText(MIN_VERSION));
        }
        facts.put("graphs", Integer.toString(server.selector().select(c.graphList()).size()));
        return facts;
      }
    });
  }

  /** The graph module's version number (e.g. 41603), or an "unknown command" error without the module. */
  static int moduleVersion(FalkorConnection c) {
    Object reply;
    try {
      reply = c.raw("MODULE", "LIST");
    } catch (JedisException e) {
      if (!String.valueOf(e.getMessage()).contains("NOPERM")) {
        throw e;
      }
      // A user without MODULE rights: the graph commands still tell whether the module is there.
      c.raw("GRAPH.LIST");
      return MIN_VERSION;
    }
    for (Object m : (List<?>) reply) {
      List<?> fields = (List<?>) m;
      Map<String, Object> f = new HashMap<>();
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        f.put(FalkorConnection.text(fields.get(i)), fields.get(i + 1));
      }
      if ("graph".equals(FalkorConnection.text(f.get("name")))) {
        return ((Long) f.get("ver")).intValue();
      }
    }
    // Not listed: GRAPH.LIST fails with "unknown command" (classified as FALKORDB_MODULE_MISSING).
    c.raw("GRAPH.LIST");
    return MIN_VERSION;
  }

  static String versionText(int v) {
    return (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100);
  }

  private static String redisVersion(FalkorConnection c) {
    String info = FalkorConnection.text(c.raw("INFO", "server"));
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("redis_version:")) {
        return line.substring("redis_version:".length()).trim();
      }
    }
    return "unknown";
  }
}
