package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.Compression;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.support.Probes;
import io.maintenance.spi.support.Probes.ProbeFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/** Backup, plan, restore, fingerprint and probe of one FalkorDB server. */
public final class Operations {
  public static final String TYPE = "falkordb";
  public static final String KIND = "graph";
  public static final String UNREACHABLE = "FALKORDB_UNREACHABLE";
  public static final String AUTH_FAILED = "FALKORDB_AUTH_FAILED";
  public static final String MODULE_MISSING = "FALKORDB_MODULE_MISSING";
  public static final String VERSION_UNSUPPORTED = "FALKORDB_VERSION_UNSUPPORTED";
  /** The oldest FalkorDB with everything the artifacts use (vecf32, GRAPH.COPY, vector indexes). */
  public static final int MIN_VERSION = 40000;

  private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

  private final String id;
  private final Settings settings;
  private final GraphSelector selector;

  public Operations(String id, Settings settings) {
    this.id = id;
    this.settings = settings;
    this.selector = new GraphSelector(settings.include(), settings.exclude(), settings.reservedPrefix());
  }

  public Settings settings() {
    return settings;
  }

  private FalkorConnection connect() {
    try {
      return FalkorConnection.open(settings);
    } catch (JedisException e) {
      boolean auth = authProblem(e);
      throw new MaintenanceException(auth ? ErrorCode.DATASTORE_FAILURE : ErrorCode.DEPENDENCY_UNAVAILABLE,
          (auth ? "authentication to FalkorDB failed at " : "cannot connect to FalkorDB at ") + settings.host() + ":"
              + settings.port() + ": " + FalkorConnection.serverMessage(e), Map.of("datastore", id), e);
    }
  }

  // ------------------------------------------------------------------ probe

  public ProbeResult probe() {
    return Probes.run(id, UNREACHABLE, () -> {
      FalkorConnection c;
      try {
        c = FalkorConnection.open(settings);
      } catch (JedisException e) {
        throw classify(e);
      }
      try (c) {
        try {
          c.raw("PING");
        } catch (JedisException e) {
          throw classify(e);
        }
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("redisVersion", redisVersion(c));
        int version;
        try {
          version = moduleVersion(c);
        } catch (JedisException e) {
          throw classify(e);
        }
        facts.put("version", versionText(version));
        if (version < MIN_VERSION) {
          throw new ProbeFailure(VERSION_UNSUPPORTED, "FalkorDB " + versionText(version) + " is older than the supported "
              + versionText(MIN_VERSION));
        }
        facts.put("graphs", Integer.toString(selector.select(c.graphList()).size()));
        return facts;
      }
    });
  }

  private ProbeFailure classify(JedisException e) {
    if (authProblem(e)) {
      return new ProbeFailure(AUTH_FAILED, "FalkorDB at " + settings.host() + ":" + settings.port() + " refused the credentials of user '"
          + settings.user().orElse("default") + "'");
    }
    if (e instanceof JedisConnectionException) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return new ProbeFailure(UNREACHABLE, "cannot reach FalkorDB at " + settings.host() + ":" + settings.port() + ": "
          + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : " " + root.getMessage()));
    }
    if (String.valueOf(e.getMessage()).contains("unknown command")) {
      return new ProbeFailure(MODULE_MISSING, "the server at " + settings.host() + ":" + settings.port()
          + " answers but the FalkorDB graph module is not loaded");
    }
    return new ProbeFailure(UNREACHABLE, "FalkorDB check failed: " + FalkorConnection.serverMessage(e));
  }

  private static boolean authProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (t instanceof JedisAccessControlException || m.startsWith("WRONGPASS") || m.startsWith("NOAUTH")
          || m.contains("invalid username-password") || m.contains("invalid password")) {
        return true;
      }
    }
    return false;
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

  private String serverVersion(FalkorConnection c) {
    try {
      return versionText(moduleVersion(c));
    } catch (JedisException e) {
      throw new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE,
          "the FalkorDB graph module is not available at " + settings.host() + ":" + settings.port() + ": "
              + FalkorConnection.serverMessage(e), Map.of("datastore", id), e);
    }
  }

  // ------------------------------------------------------------ fingerprint

  public Fingerprint fingerprint(Set<String> resources) {
    try (FalkorConnection c = connect()) {
      Set<String> graphs = resources.isEmpty() ? new TreeSet<>(selector.select(c.graphList())) : new TreeSet<>(resources);
      Map<String, String> components = new TreeMap<>();
      for (String g : graphs) {
        components.put(g, c.exists(g) ? GraphOps.fingerprint(GraphOps.counts(c, g), GraphOps.schema(c, g)) : "absent");
      }
      return Fingerprint.of(components);
    }
  }

  // ----------------------------------------------------------------- backup

  public DatastoreBackup backup(BackupContext ctx) throws IOException {
    try (FalkorConnection c = connect()) {
      String version = serverVersion(c);
      Map<String, String> components = new TreeMap<>();
      List<ResourceSummary> resources = new ArrayList<>();
      for (String g : selector.select(c.graphList())) {
        String source = g;
        String snapshot = null;
        if (settings.snapshot()) {
          // A point-in-time copy, so that edges and nodes read in many queries belong together.
          snapshot = reserved("snapshot", ctx.backupId(), g);
          c.delete(snapshot);
          c.copy(g, snapshot);
          source = snapshot;
        }
        try {
          GraphSchema schema = GraphOps.schema(c, source);
          GraphCounts counts;
          try (OutputStream out = ctx.artifacts().create(Artifact.nameFor(g), Artifact.CONTENT_TYPE, Compression.GZIP)) {
            counts = new Exporter(c, source, g, settings.readBatchSize(), ctx.progress()).export(out, version, schema);
          }
          components.put(g, GraphOps.fingerprint(counts, schema));
          resources.add(new ResourceSummary(KIND, g, counts.asMap()));
          LOG.info("backed up graph '{}': {} nodes, {} edges", g, counts.nodes(), counts.edges());
        } finally {
          if (snapshot != null) {
            c.delete(snapshot);
          }
        }
      }
      return new DatastoreBackup(Fingerprint.of(components), resources,
          Map.of("falkordb.version", version, "falkordb.format", Artifact.FORMAT + "/" + Artifact.VERSION));
    }
  }

  // ------------------------------------------------------------------- plan

  public DatastorePlan plan(RestoreContext ctx) throws IOException {
    List<ResourceDiff> diffs = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    try (FalkorConnection c = connect()) {
      for (ResourceSummary r : graphs(ctx)) {
        String g = r.name();
        Loader check;
        try (IdMap ids = new IdMap(settings.tempDir())) {
          check = new Loader(null, g, g, settings.batchSize(), ids, ctx.progress(), -1, -1);
          read(ctx, g, check);
        }
        Map<String, Long> after = check.counts().asMap();
        if (!after.equals(new TreeMap<>(r.counts()))) {
          throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the artifact holds " + after
              + " but the manifest records " + new TreeMap<>(r.counts()), Map.of("graph", g));
        }
        boolean exists = c.exists(g);
        Map<String, Long> before = exists ? GraphOps.counts(c, g).asMap() : Map.of();
        GraphSchema liveSchema = exists ? GraphOps.schema(c, g) : GraphSchema.EMPTY;
        Set<String> metrics = new TreeSet<>(after.keySet());
        metrics.addAll(before.keySet());
        List<CountChange> changes = new ArrayList<>();
        for (String m : metrics) {
          changes.add(new CountChange(m, before.getOrDefault(m, 0L), after.getOrDefault(m, 0L)));
        }
        long lost = Math.max(0, before.getOrDefault(GraphCounts.NODES, 0L) - after.get(GraphCounts.NODES))
            + Math.max(0, before.getOrDefault(GraphCounts.EDGES, 0L) - after.get(GraphCounts.EDGES));
        diffs.add(new ResourceDiff(KIND, g, exists ? ChangeKind.REPLACE : ChangeKind.CREATE, changes,
            GraphSchema.diff(liveSchema, check.schema()), lost));
        if (check.schema().indexes().stream().anyMatch(i -> Boolean.TRUE.equals(i.options().get("phonetic")))) {
          warnings.add("graph '" + g + "': phonetic full-text fields are restored with the 'dm:en' matcher (the server does not report which one was used)");
        }
      }
    }
    return new DatastorePlan(id, TYPE, diffs, warnings);
  }

  private List<ResourceSummary> graphs(RestoreContext ctx) {
    List<ResourceSummary> out = new ArrayList<>();
    for (ResourceSummary r : ctx.manifest().resources()) {
      if (KIND.equals(r.kind())) {
        if (selector.reserved(r.name())) {
          // Our own staging/safety keys are never backed up; a manifest naming one is forged.
          throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + r.name()
              + "' uses the reserved prefix '" + settings.reservedPrefix() + "'", Map.of("graph", r.name()));
        }
        out.add(r);
      }
    }
    return out;
  }

  /**
   * Streams an artifact into a visitor. The source verifies size and SHA-256 only at the end of the
   * stream, so callers apply nothing live before this returns. Failures name the graph.
   */
  private void read(RestoreContext ctx, String graph, Loader visitor) throws IOException {
    String name = Artifact.nameFor(graph);
    if (ctx.artifacts().find(name).isEmpty()) {
      throw new MaintenanceException(ErrorCode.ARTIFACT_MISSING, "graph '" + graph + "': artifact '" + name + "' is not in the backup",
          Map.of("graph", graph, "artifact", name));
    }
    InputStream in;
    try {
      in = ctx.artifacts().open(name);
    } catch (MaintenanceException e) {
      throw about(graph, e);
    }
    try {
      Artifact.read(in, graph, visitor);
      in.close();
    } catch (MaintenanceException e) {
      closeForVerdict(in);
      throw about(graph, e);
    } catch (ArtifactFormatException | IOException | UncheckedIOException | ClassCastException e) {
      // A damaged artifact usually fails to parse before its checksum is known: prefer the checksum's verdict.
      MaintenanceException verdict = closeForVerdict(in);
      if (verdict != null) {
        throw about(graph, verdict);
      }
      if (e instanceof UncheckedIOException u && u.getMessage().contains("node id map")) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, u.getMessage(), u);
      }
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + graph + "': artifact '" + name
          + "' is not a valid graph export: " + e.getMessage(), Map.of("graph", graph, "artifact", name), e);
    }
  }

  /** Reads what is left and closes, returning the integrity failure if there is one. */
  private static MaintenanceException closeForVerdict(InputStream in) {
    try {
      byte[] buf = new byte[64 * 1024];
      while (in.read(buf) >= 0) {
        // draining so that the source checks size and SHA-256
      }
    } catch (MaintenanceException e) {
      try {
        in.close();
      } catch (IOException | RuntimeException ignored) {
        // already failed
      }
      return e;
    } catch (IOException | RuntimeException e) {
      // undecodable; the close below still tells whether the stored bytes are intact
    }
    try {
      in.close();
      return null;
    } catch (MaintenanceException e) {
      return e;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static MaintenanceException about(String graph, MaintenanceException e) {
    if (e.details().containsKey("graph")) {
      return e;
    }
    Map<String, String> details = new LinkedHashMap<>(e.details());
    details.put("graph", graph);
    return new MaintenanceException(e.code(), "graph '" + graph + "': " + e.getMessage(), details, e);
  }

  // ---------------------------------------------------------------- restore

  public RestoreOutcome restore(RestoreContext ctx) throws IOException {
    return restore(ctx, RestoreHooks.NONE);
  }

  /**
   * Builds every graph under a staging key (nothing live is touched while artifacts stream in and
   * are verified), then keeps a safety copy of each graph being replaced, swaps the staged graphs in,
   * verifies them, and puts the originals back if anything failed.
   */
  public RestoreOutcome restore(RestoreContext ctx, RestoreHooks hooks) throws IOException {
    String tag = ctx.requestId();
    List<ResourceSummary> graphs = graphs(ctx);
    Map<String, GraphCounts> expected = new LinkedHashMap<>();
    Map<String, GraphSchema> schemas = new HashMap<>();
    try (FalkorConnection c = connect()) {
      serverVersion(c);
      try {
        for (ResourceSummary r : graphs) {
          String g = r.name();
          String staging = reserved("staging", tag, g);
          c.delete(staging);
          Loader loader;
          try (IdMap ids = new IdMap(settings.tempDir())) {
            loader = new Loader(c, staging, g, settings.batchSize(), ids, ctx.progress(),
                r.counts().getOrDefault(GraphCounts.NODES, -1L), r.counts().getOrDefault(GraphCounts.EDGES, -1L));
            read(ctx, g, loader);
          }
          GraphOps.create(c, staging, loader.schema());
          GraphCounts built = GraphOps.counts(c, staging);
          if (!built.equals(loader.counts())) {
            throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + g + "': the staged copy holds " + built
                + " instead of " + loader.counts(), Map.of("graph", g));
          }
          expected.put(g, loader.counts());
          schemas.put(g, loader.schema());
        }
      } catch (RuntimeException | IOException e) {
        for (ResourceSummary r : graphs) {
          deleteQuietly(c, reserved("staging", tag, r.name()));
        }
        throw e;
      }
      swap(c, tag, expected, schemas, hooks);
      List<ResourceSummary> found = new ArrayList<>();
      for (String g : expected.keySet()) {
        Map<String, Long> counts = new TreeMap<>(GraphOps.counts(c, g).asMap());
        // Labels and types the plan listed that no longer exist are reported as 0.
        ctx.approvedPlan().ifPresent(p -> p.resources().stream().filter(d -> d.name().equals(g))
            .forEach(d -> d.counts().forEach(cc -> counts.putIfAbsent(cc.metric(), 0L))));
        found.add(new ResourceSummary(KIND, g, counts));
      }
      return new RestoreOutcome(found, List.of());
    }
  }

  private void swap(FalkorConnection c, String tag, Map<String, GraphCounts> expected, Map<String, GraphSchema> schemas,
      RestoreHooks hooks) {
    Set<String> existed = new LinkedHashSet<>();
    Set<String> touched = new LinkedHashSet<>();
    try {
      for (String g : expected.keySet()) {
        if (c.exists(g)) {
          String safety = reserved("safety", tag, g);
          c.delete(safety);
          c.copy(g, safety);
          existed.add(g);
        }
      }
      for (String g : expected.keySet()) {
        String staging = reserved("staging", tag, g);
        touched.add(g);
        c.delete(g);
        c.copy(staging, g);
        c.delete(staging);
        hooks.afterSwap(g);
      }
      for (String g : expected.keySet()) {
        GraphCounts live = GraphOps.counts(c, g);
        GraphSchema schema = GraphOps.schema(c, g);
        if (!live.equals(expected.get(g)) || !schema.describe().equals(schemas.get(g).describe())) {
          throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + g + "': the restored graph holds " + live
              + " instead of " + expected.get(g), Map.of("graph", g));
        }
      }
    } catch (RuntimeException e) {
      List<String> kept = putBack(c, tag, existed, touched);
      for (String g : expected.keySet()) {
        deleteQuietly(c, reserved("staging", tag, g));
      }
      if (!kept.isEmpty()) {
        LOG.error("restore failed and the originals could not all be put back; safety copies kept: {}", kept);
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "restore failed (" + e.getMessage()
            + ") and putting the original graphs back failed too; their safety copies are kept as " + kept,
            Map.of("safetyCopies", String.join(",", kept)), e);
      }
      throw e instanceof MaintenanceException me ? me
          : new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "restore failed and was rolled back: " + e.getMessage(), e);
    }
    if (!settings.keepSafetyCopy()) {
      for (String g : existed) {
        deleteQuietly(c, reserved("safety", tag, g));
      }
    }
  }

  /** Puts every touched graph back as it was; returns the safety copies it could not restore from. */
  private List<String> putBack(FalkorConnection c, String tag, Set<String> existed, Set<String> touched) {
    List<String> kept = new ArrayList<>();
    for (String g : touched) {
      String safety = reserved("safety", tag, g);
      try {
        c.delete(g);
        if (existed.contains(g)) {
          c.copy(safety, g);
        }
      } catch (RuntimeException e) {
        kept.add(safety);
      }
    }
    for (String g : existed) {
      String safety = reserved("safety", tag, g);
      if (!kept.contains(safety)) {
        deleteQuietly(c, safety);
      }
    }
    return kept;
  }

  private static void deleteQuietly(FalkorConnection c, String key) {
    try {
      c.delete(key);
    } catch (RuntimeException e) {
      LOG.warn("could not delete '{}': {}", key, e.getMessage());
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
}
