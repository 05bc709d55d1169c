package io.maintenance.datastore.falkordb;

import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.datastore.falkordb.internal.Backup;
import io.maintenance.datastore.falkordb.internal.Discard;
import io.maintenance.datastore.falkordb.internal.FalkorDbErrors;
import io.maintenance.datastore.falkordb.internal.Fingerprints;
import io.maintenance.datastore.falkordb.internal.Plan;
import io.maintenance.datastore.falkordb.internal.Probe;
import io.maintenance.datastore.falkordb.internal.Restore;
import io.maintenance.datastore.falkordb.internal.Server;
import io.maintenance.datastore.falkordb.internal.Settings;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.support.DatastoreBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Backs up and restores the graphs of one FalkorDB server, exact to the bit and to the id: per graph
 * the server's own serialization ({@code DUMP}, the default) or a portable logical export (nodes,
 * edges, every property, names, indexes, constraints). A restore stages every graph first, then swaps
 * each into place atomically, keeping the original under a safety key until the result is verified.
 *
 * <pre>{@code
 * Datastore graphs = FalkorDbDatastore.builder("graphs")
 *     .uri("redis://falkordb.internal:6379")
 *     .user("maintenance").password(secret)
 *     .include("social*")
 *     .build();
 * }</pre>
 *
 * Readiness codes: {@value #UNREACHABLE}, {@value #AUTH_FAILED}, {@value #MODULE_MISSING},
 * {@value #VERSION_UNSUPPORTED}.
 */
public final class FalkorDbDatastore implements Datastore {
  public static final String TYPE = Server.TYPE;
  public static final String UNREACHABLE = FalkorDbErrors.UNREACHABLE;
  public static final String AUTH_FAILED = FalkorDbErrors.AUTH_FAILED;
  public static final String MODULE_MISSING = FalkorDbErrors.MODULE_MISSING;
  public static final String VERSION_UNSUPPORTED = FalkorDbErrors.VERSION_UNSUPPORTED;

  /** Default of {@link Builder#physicalLimit}: nodes + edges. */
  public static final long DEFAULT_PHYSICAL_LIMIT = 4_000_000L;

  private final String id;
  private final Server server;

  private FalkorDbDatastore(String id, Settings settings) {
    this.id = id;
    this.server = new Server(id, settings);
  }

  public static Builder builder(String id) {
    return new Builder(id);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public ProbeResult probe() {
    return new Probe(server).probe();
  }

  @Override
  public Fingerprint fingerprint(Set<String> resources) {
    return new Fingerprints(server).fingerprint(resources);
  }

  @Override
  public DatastoreBackup backup(BackupContext context) throws IOException {
    return new Backup(server).backup(context);
  }

  @Override
  public DatastorePlan plan(RestoreContext context) throws IOException {
    return new Plan(server).plan(context);
  }

  @Override
  public RestoreOutcome restore(RestoreContext context) throws IOException {
    return new Restore(server).restore(context);
  }

  /** A restore drill's sandbox must be another server: graphs in two databases of one server share names. */
  @Override
  public boolean supportsDiscard() {
    return true;
  }

  /** Deletes the graphs and this plugin's staging and safety keys for them; refuses names a graph in another database also has. */
  @Override
  public void discard(Set<String> graphs) {
    new Discard(server).discard(graphs);
  }

  @Override
  public String toString() {
    return "FalkorDbDatastore[" + id + " " + server.settings() + "]";
  }

  /**
   * Settings of a {@link FalkorDbDatastore}; defaults as documented on each method. {@code include} and
   * {@code exclude} select graphs by name (keys with the {@link #reservedPrefix} never).
   */
  public static final class Builder extends DatastoreBuilder<Builder> {
    private String host = "127.0.0.1";
    private int port = 6379;
    private boolean tls;
    private int database;
    private String user;
    private String password;
    private int batchSize = 10_000;
    private int readBatchSize = 10_000;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration socketTimeout = Duration.ofMinutes(10);
    private Duration indexTimeout = Duration.ofMinutes(30);
    private boolean snapshot = true;
    private boolean keepSafetyCopy;
    private String reservedPrefix = "__maintenance__:";
    private Path tempDir = Path.of(System.getProperty("java.io.tmpdir"));
    private Settings.Format format = Settings.Format.PHYSICAL;
    private long physicalLimit = DEFAULT_PHYSICAL_LIMIT;
    private Settings.DumpSource dumpSource = Settings.DumpSource.COPY;

    private Builder(String id) {
      super(id);
    }

    /**
     * {@code redis://[user:password@]host:port[/db]} or {@code rediss://} for TLS; sets host, port,
     * database, TLS and credentials found in it.
     */
    public Builder uri(String uri) {
      URI u = URI.create(uri);
      if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme())) {
        throw new IllegalArgumentException("FalkorDB URI must start with redis:// or rediss://");
      }
      tls = "rediss".equals(u.getScheme());
      host = Objects.requireNonNull(u.getHost(), "host in URI");
      port = u.getPort() > 0 ? u.getPort() : 6379;
      String path = u.getPath();
      if (path != null && path.length() > 1) {
        database = Integer.parseInt(path.substring(1));
      }
      if (u.getRawUserInfo() != null) {
        String[] parts = u.getUserInfo().split(":", 2);
        if (parts.length == 2) {
          if (!parts[0].isEmpty()) {
            user = parts[0];
          }
          password = parts[1];
        } else {
          password = parts[0];
        }
      }
      return this;
    }

    /** Default {@code 127.0.0.1}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Default 6379. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Default false. */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /** Redis logical database, default 0. */
    public Builder database(int database) {
      this.database = database;
      return this;
    }

    /** ACL user; default: the server's default user. */
    public Builder user(String user) {
      this.user = user;
      return this;
    }

    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /** Nodes or edges per restore {@code UNWIND} query; default 10000 (each query costs the server more as the graph grows). */
    public Builder batchSize(int n) {
      this.batchSize = n;
      return this;
    }

    /** Width of the node-id ranges read per backup query; default 10000. */
    public Builder readBatchSize(int n) {
      this.readBatchSize = n;
      return this;
    }

    /** Default 5 s. */
    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    /** Longest wait for one reply (a {@code GRAPH.COPY} of a big graph included); default 10 min. */
    public Builder socketTimeout(Duration d) {
      this.socketTimeout = d;
      return this;
    }

    /** Longest wait for restored indexes and constraints to become operational; default 30 min. */
    public Builder indexTimeout(Duration d) {
      this.indexTimeout = d;
      return this;
    }

    /**
     * Logical backups read a {@code GRAPH.COPY} snapshot of each graph (consistent; needs memory for
     * the copy); default true. Physical backups are one atomic {@code DUMP} anyway.
     */
    public Builder snapshot(boolean snapshot) {
      this.snapshot = snapshot;
      return this;
    }

    /** Keep the safety copy of each replaced graph after a successful restore; default false. */
    public Builder keepSafetyCopy(boolean keep) {
      this.keepSafetyCopy = keep;
      return this;
    }

    /** Prefix of the keys this plugin creates (staging, safety, snapshot); never backed up. Default {@code __maintenance__:}. */
    public Builder reservedPrefix(String prefix) {
      this.reservedPrefix = prefix;
      return this;
    }

    /**
     * {@code physical} (default): each graph as the server's own serialization ({@code DUMP}), exact
     * to the bit and to the id, restorable into the same or a newer FalkorDB; {@code logical}: a
     * portable export of every node, edge and value, restorable into other versions.
     */
    public Builder format(String format) {
      this.format = choice(Settings.Format.class, format, "format must be 'physical' or 'logical'");
      return this;
    }

    /**
     * Graphs with more nodes + edges than this are backed up logically even in the physical format,
     * because DUMP and RESTORE hold the whole server for a time that grows with the graph; default
     * {@value #DEFAULT_PHYSICAL_LIMIT}.
     */
    public Builder physicalLimit(long entities) {
      this.physicalLimit = entities;
      return this;
    }

    /**
     * What fingerprints (every preview and confirm) and the preview's diff {@code DUMP}: {@code copy}
     * (default) a private {@code GRAPH.COPY} of the graph, deleted afterwards; {@code live} the live
     * graph itself, faster and without server memory for a copy, but FalkorDB 4.16's {@code DUMP} unloads
     * the graph's matrices while it runs, so another client's query of that graph meanwhile can read
     * wrong results or crash the server.
     */
    public Builder dumpSource(String source) {
      this.dumpSource = choice(Settings.DumpSource.class, source, "dump-source must be 'copy' or 'live'");
      return this;
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value, String problem) {
      try {
        return Enum.valueOf(type, value.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException(problem);
      }
    }

    /** Where the restore keeps its node-id map file; default {@code java.io.tmpdir}. */
    public Builder tempDir(Path dir) {
      this.tempDir = dir;
      return this;
    }

    private MaintenanceException invalid(String setting, String problem) {
      return new MaintenanceException(ErrorCode.CONFIG_INVALID, "FalkorDB datastore: " + setting + " " + problem,
          Map.of("key", setting));
    }

    /** Checks the settings: {@code CONFIG_INVALID} naming the one that is wrong. */
    public FalkorDbDatastore build() {
      if (port <= 0 || port > 65535) {
        throw invalid("port", "must be within 1..65535");
      }
      if (batchSize < 1 || readBatchSize < 1) {
        throw invalid(batchSize < 1 ? "batchSize" : "readBatchSize", "must be positive");
      }
      if (physicalLimit < 0) {
        throw invalid("physicalLimit", "must not be negative");
      }
      if (reservedPrefix.isEmpty()) {
        throw invalid("reservedPrefix", "must not be empty");
      }
      return new FalkorDbDatastore(id(), new Settings(host, port, tls, database, Optional.ofNullable(user),
          Optional.ofNullable(password), includes(), excludes(), batchSize, readBatchSize, connectTimeout, socketTimeout,
          indexTimeout, snapshot, keepSafetyCopy, reservedPrefix, tempDir, format, physicalLimit, dumpSource));
    }
  }
}
