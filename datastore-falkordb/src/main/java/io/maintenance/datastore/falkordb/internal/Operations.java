package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ItemChange;
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
        components.put(g, c.exists(g) ? contentFingerprint(c, g) : "absent");
      }
      return Fingerprint.of(components);
    }
  }

  /**
   * Counts, schema and names (read in the same transaction as a DUMP), a SHA-256 of every node and
   * edge with its properties from that DUMP, and sums over the ids of each label's nodes and each
   * type's edges with their endpoints (the structure, which the DUMP keeps in matrices that are not
   * byte-for-byte reproducible). Any property edit, new, deleted, relabelled or reconnected entity
   * changes it.
   */
  private String contentFingerprint(FalkorConnection c, String g) {
    GraphNames names = GraphNames.read(c, g);
    java.util.concurrent.CompletableFuture<String> structure = structureAsync(g, names);
    Physical.Dumped d = Physical.dump(c, g, reserved("fingerprint", java.util.UUID.randomUUID().toString(), g),
        settings.socketTimeout());
    if (!d.snapshot().names().equals(names)) {
      structure = structureAsync(g, d.snapshot().names());
    }
    String content;
    try (InputStream payload = d.payload()) {
      ContentHash hash = new ContentHash(null, null);
      try {
        DumpContent.read(new java.io.BufferedInputStream(payload, 64 * 1024), hash);
        content = hash.digest();
      } catch (ArtifactFormatException e) {
        content = "unreadable"; // another graph encoding: counts, schema, names and structure still count
      }
    } catch (IOException e) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + g + "': cannot read its DUMP: " + e.getMessage(),
          Map.of("graph", g), e);
    }
    return component(d.snapshot().counts(), d.snapshot().schema(), d.snapshot().names(), content, join(structure));
  }

  /** The structure digest (see {@link GraphOps#structure}), read on a second connection while the payload streams. */
  private java.util.concurrent.CompletableFuture<String> structureAsync(String g, GraphNames names) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try (FalkorConnection other = connect()) {
        return GraphOps.structure(other, g, names);
      }
    });
  }

  private static String join(java.util.concurrent.CompletableFuture<String> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** One graph's fingerprint component; a backup records the same for what it wrote. */
  private static String component(GraphCounts counts, GraphSchema schema, GraphNames names, String content, String structure) {
    return GraphOps.fingerprint(counts, schema) + " names=" + io.maintenance.spi.support.Digests.sha256Hex(names.toString())
        + " content=" + content + " structure=" + structure;
  }

  // ----------------------------------------------------------------- backup

  public DatastoreBackup backup(BackupContext ctx) throws IOException {
    try (FalkorConnection c = connect()) {
      String version = serverVersion(c);
      Map<String, String> components = new TreeMap<>();
      List<ResourceSummary> resources = new ArrayList<>();
      Set<String> logicalFallback = new TreeSet<>();
      long approximate = 0;
      String firstApproximation = null;
      Physical.Target writtenBy = null;
      for (String g : selector.select(c.graphList())) {
        ctx.ensureActive();
        GraphCounts counts;
        GraphSchema schema;
        String component;
        if (settings.format() == Settings.Format.PHYSICAL && entities(c, g) <= settings.physicalLimit()) {
          // The structure digest runs on the server's query threads beside the DUMP (which holds the main thread).
          GraphNames names = GraphNames.read(c, g);
          java.util.concurrent.CompletableFuture<String> structure = structureAsync(g, names);
          Physical.Dumped d = Physical.dump(c, g, reserved("dump", ctx.backupId(), g), settings.socketTimeout());
          if (!d.snapshot().names().equals(names)) {
            structure = structureAsync(g, d.snapshot().names()); // names changed meanwhile: read it again
          }
          Physical.Copied copied;
          try (InputStream payload = d.payload();
              OutputStream out = ctx.artifacts().create(Artifact.dumpName(g), Dump.CONTENT_TYPE)) {
            copied = Physical.copy(g, d, out);
            writtenBy = copied.writtenBy();
          } catch (ArtifactFormatException e) {
            throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + g + "': the server's DUMP cannot be restored: "
                + e.getMessage(), Map.of("graph", g), e);
          }
          counts = d.snapshot().counts();
          schema = d.snapshot().schema();
          GraphMeta meta = new GraphMeta(g, version, writtenBy.encodingVersion(), writtenBy.rdbVersion(),
              d.snapshot().payloadSize(), counts.asMap(), d.snapshot().names(), schema);
          try (OutputStream out = ctx.artifacts().create(Artifact.metaName(g), GraphMeta.CONTENT_TYPE)) {
            meta.write(out);
          }
          component = component(counts, schema, d.snapshot().names(), copied.content(), join(structure));
        } else {
          if (settings.format() == Settings.Format.PHYSICAL) {
            logicalFallback.add(g);
            LOG.warn("graph '{}' has more than {} nodes and edges: backed up logically (DUMP/RESTORE would hold the server too long)",
                g, settings.physicalLimit());
          }
          Exported e = exportLogical(c, ctx, g, version);
          counts = e.counts();
          schema = e.schema();
          component = e.component();
          if (e.approximations().count() > 0) {
            approximate += e.approximations().count();
            firstApproximation = firstApproximation != null ? firstApproximation : e.approximations().warnings().get(0);
          }
        }
        components.put(g, component);
        resources.add(new ResourceSummary(KIND, g, counts.asMap()));
        LOG.info("backed up graph '{}': {} nodes, {} edges", g, counts.nodes(), counts.edges());
      }
      Map<String, String> metadata = new TreeMap<>();
      metadata.put("falkordb.version", version);
      metadata.put("falkordb.format", settings.format().name().toLowerCase(java.util.Locale.ROOT));
      if (writtenBy != null) {
        metadata.put("falkordb.encoding", Integer.toString(writtenBy.encodingVersion()));
        metadata.put("falkordb.rdb", Integer.toString(writtenBy.rdbVersion()));
      }
      if (!logicalFallback.isEmpty()) {
        metadata.put("falkordb.logical", String.join(",", logicalFallback));
      }
      if (approximate > 0) {
        // The backup succeeds; the values are named in the log and again by every preview of it.
        metadata.put("falkordb.warnings", approximate + " value(s) come back only approximately from this logical backup, e.g. "
            + firstApproximation + "; the physical format keeps them exactly");
      }
      return new DatastoreBackup(Fingerprint.of(components), resources, metadata);
    }
  }

  private record Exported(GraphCounts counts, GraphSchema schema, Approximations approximations, String component) {}

  private Exported exportLogical(FalkorConnection c, BackupContext ctx, String g, String version) throws IOException {
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
      Approximations approximations;
      Exporter exporter;
      try (OutputStream out = ctx.artifacts().create(Artifact.nameFor(g), Artifact.CONTENT_TYPE)) {
        exporter = new Exporter(c, source, g, settings.readBatchSize(), ctx.progress(), settings.tempDir(), ctx::ensureActive);
        counts = exporter.export(out, version, schema);
        approximations = exporter.approximations();
      }
      approximations.warnings().forEach(w -> LOG.warn("{}", w));
      return new Exported(counts, schema, approximations, component(counts, schema, exporter.names(), exporter.content().digest(),
          GraphOps.structure(c, source, exporter.names())));
    } finally {
      if (snapshot != null) {
        c.delete(snapshot);
      }
    }
  }

  private static long entities(FalkorConnection c, String g) {
    return c.readOnly(g, "MATCH (n) RETURN count(n)", Map.of()).singleLong()
        + c.readOnly(g, "MATCH ()-[e]->() RETURN count(e)", Map.of()).singleLong();
  }

  // ------------------------------------------------------------------- plan

  /** How one graph of a backup is restored. */
  private sealed interface Source permits PhysicalSource, LogicalSource {
    ResourceSummary resource();

    default String graph() {
      return resource().name();
    }
  }

  private record PhysicalSource(ResourceSummary resource, GraphMeta meta) implements Source {}

  private record LogicalSource(ResourceSummary resource) implements Source {}

  public DatastorePlan plan(RestoreContext ctx) throws IOException {
    List<ResourceDiff> diffs = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Map<String, MaintenanceException> problems = new TreeMap<>();
    try (FalkorConnection c = connect()) {
      Physical.Target[] target = new Physical.Target[1];
      for (ResourceSummary r : graphs(ctx)) {
        ctx.ensureActive();
        String g = r.name();
        try {
          Source source = source(c, ctx, r, target);
          if (target[0] == null) {
            target[0] = Physical.target(c, reserved("probe", ctx.requestId(), "encoding"));
          }
          // The gross diff hashes both sides entity by entity; it needs a live graph the plugin can read from its DUMP.
          boolean gross = c.exists(g) && target[0].encodingVersion() == DumpContent.ENCODING
              && !(source instanceof PhysicalSource p && p.meta().encodingVersion() != DumpContent.ENCODING);
          try (ContentDiff content = gross ? new ContentDiff(settings.tempDir()) : null) {
            Staged staged = source instanceof PhysicalSource p ? checkPhysical(ctx, p, content)
                : load(null, ctx, (LogicalSource) source, null, content);
            diffs.add(diff(c, ctx, g, staged, warnings, content));
          }
        } catch (MaintenanceException e) {
          if (e.code() != ErrorCode.INCOMPATIBLE_ARTIFACT && e.code() != ErrorCode.ARTIFACT_MISSING
              && e.code() != ErrorCode.INTEGRITY_MISMATCH) {
            throw e;
          }
          problems.put(g, e);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw unrestorable(problems);
    }
    return new DatastorePlan(id, TYPE, diffs, warnings);
  }

  /**
   * One failure naming every graph that cannot be restored (code of the first), so that the user can
   * select the others: a bad graph never blocks the restore of the rest.
   */
  private static MaintenanceException unrestorable(Map<String, MaintenanceException> problems) {
    Map.Entry<String, MaintenanceException> first = problems.entrySet().iterator().next();
    if (problems.size() == 1) {
      MaintenanceException e = first.getValue();
      Map<String, String> details = new LinkedHashMap<>(e.details());
      details.put("graphs", first.getKey());
      return new MaintenanceException(e.code(), e.getMessage() + "; the other graphs can be restored by selecting them", details, e);
    }
    StringBuilder sb = new StringBuilder(problems.size() + " graphs cannot be restored (");
    problems.forEach((g, e) -> sb.append(e.getMessage()).append("; "));
    sb.setLength(sb.length() - 2);
    sb.append("); the other graphs can be restored by selecting them");
    return new MaintenanceException(first.getValue().code(), sb.toString(),
        Map.of("graph", first.getKey(), "graphs", String.join(",", problems.keySet())), first.getValue());
  }

  /** Which form of a graph the backup holds, checked against what the target can load. */
  private Source source(FalkorConnection c, RestoreContext ctx, ResourceSummary r, Physical.Target[] target) throws IOException {
    String g = r.name();
    if (ctx.artifacts().find(Artifact.dumpName(g)).isPresent()) {
      GraphMeta meta = readMeta(ctx, g);
      if (target[0] == null) {
        target[0] = Physical.target(c, reserved("probe", ctx.requestId(), "encoding"));
      }
      Physical.Target t = target[0];
      if (meta.encodingVersion() > t.encodingVersion() || meta.rdbVersion() > t.rdbVersion()) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the physical backup was written by FalkorDB "
            + meta.falkordbVersion() + " (graph encoding " + meta.encodingVersion() + ", RDB " + meta.rdbVersion()
            + ") and this server reads up to graph encoding " + t.encodingVersion() + ", RDB " + t.rdbVersion()
            + "; restore it into the same or a newer FalkorDB, or take a logical backup (format=logical) to move to an older one",
            Map.of("graph", g, "artifact", Artifact.dumpName(g)));
      }
      if (t.maxPayload() > 0 && meta.payloadSize() > t.maxPayload()) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the physical backup is "
            + meta.payloadSize() + " bytes and this server takes strings up to " + t.maxPayload()
            + " (proto-max-bulk-len); raise it for the restore, or take a logical backup", Map.of("graph", g));
      }
      if (!meta.counts().equals(new TreeMap<>(r.counts()))) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the artifact holds " + meta.counts()
            + " but the manifest records " + new TreeMap<>(r.counts()), Map.of("graph", g));
      }
      return new PhysicalSource(r, meta);
    }
    if (ctx.artifacts().find(Artifact.nameFor(g)).isPresent()) {
      return new LogicalSource(r);
    }
    throw new MaintenanceException(ErrorCode.ARTIFACT_MISSING, "graph '" + g + "': artifact '" + Artifact.dumpName(g) + "' (or '"
        + Artifact.nameFor(g) + "') is not in the backup", Map.of("graph", g, "artifact", Artifact.dumpName(g)));
  }

  private GraphMeta readMeta(RestoreContext ctx, String g) throws IOException {
    String name = Artifact.metaName(g);
    GraphMeta[] meta = new GraphMeta[1];
    read(ctx, g, name, in -> meta[0] = GraphMeta.read(in, g));
    return meta[0];
  }

  /** What a restore of one graph will produce (read and validated from its artifact). */
  private record Staged(Source source, GraphCounts counts, GraphSchema schema, String key, List<String> warnings) {}

  private Staged checkPhysical(RestoreContext ctx, PhysicalSource p, ContentDiff content) throws IOException {
    read(ctx, p.graph(), Artifact.dumpName(p.graph()), in -> checkScan(p, content == null ? Physical.scan(in)
        : DumpContent.read(new java.io.BufferedInputStream(in, 64 * 1024), content.backupSide())));
    return new Staged(p, counts(p.meta().counts()), p.meta().schema(), null, List.of());
  }

  private static void checkScan(PhysicalSource p, Dump.Scan scan) {
    Physical.check(p.graph(), scan.header(), counts(p.meta().counts()));
    if (scan.header().encodingVersion() != p.meta().encodingVersion() || scan.trailer().rdbVersion() != p.meta().rdbVersion()
        || scan.trailer().size() != p.meta().payloadSize()) {
      throw new ArtifactFormatException("the payload does not match its metadata");
    }
  }

  private static GraphCounts counts(Map<String, Long> m) {
    GraphCounts c = new GraphCounts();
    m.forEach((k, v) -> {
      if (k.equals(GraphCounts.NODES)) {
        c.setNodes(v);
      } else if (k.equals(GraphCounts.EDGES)) {
        c.setEdges(v);
      } else if (k.startsWith("nodes:")) {
        c.setLabel(k.substring(6), v);
      } else if (k.startsWith("edges:")) {
        c.setType(k.substring(6), v);
      }
    });
    return c;
  }

  /**
   * Reads a logical artifact; with a connection, rebuilds the graph under {@code key}, otherwise only
   * validates it.
   */
  private Staged load(FalkorConnection c, RestoreContext ctx, LogicalSource s, String key, ContentDiff content) throws IOException {
    String g = s.graph();
    Loader loader;
    try (IdMap ids = new IdMap(settings.tempDir())) {
      loader = new Loader(c, key, g, settings.batchSize(), ids, ctx.progress(),
          s.resource().counts().getOrDefault(GraphCounts.NODES, -1L), s.resource().counts().getOrDefault(GraphCounts.EDGES, -1L),
          content == null ? null : content.backupSide(), ctx::ensureActive);
      Loader l = loader;
      read(ctx, g, Artifact.nameFor(g), in -> Artifact.read(in, g, l));
    }
    Map<String, Long> after = loader.counts().asMap();
    if (!after.equals(new TreeMap<>(s.resource().counts()))) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + g + "': the artifact holds " + after
          + " but the manifest records " + new TreeMap<>(s.resource().counts()), Map.of("graph", g));
    }
    List<String> warnings = new ArrayList<>(loader.approximations().warnings());
    if (loader.schema().indexes().stream().anyMatch(i -> Boolean.TRUE.equals(i.options().get("phonetic")))) {
      warnings.add("graph '" + g + "': phonetic full-text fields are restored with the 'dm:en' matcher (the server does not report which one was used)");
    }
    return new Staged(s, loader.counts(), loader.schema(), key, warnings);
  }

  private ResourceDiff diff(FalkorConnection c, RestoreContext ctx, String g, Staged staged, List<String> warnings,
      ContentDiff content) throws IOException {
    Map<String, Long> after = staged.counts().asMap();
    boolean exists = c.exists(g);
    Map<String, Long> before = exists ? GraphOps.counts(c, g).asMap() : Map.of();
    GraphSchema liveSchema = exists ? GraphOps.schema(c, g) : GraphSchema.EMPTY;
    Set<String> metrics = new TreeSet<>(after.keySet());
    metrics.addAll(before.keySet());
    List<CountChange> changes = new ArrayList<>();
    for (String m : metrics) {
      changes.add(new CountChange(m, before.getOrDefault(m, 0L), after.getOrDefault(m, 0L)));
    }
    warnings.addAll(staged.warnings());
    long lost;
    List<ItemChange> items;
    if (!exists) {
      lost = 0;
      items = List.of();
    } else if (content != null) {
      ContentDiff.Result r = content.compare(c, g, reserved("diff", ctx.requestId(), g), settings.socketTimeout(), settings.tempDir(),
          before, after, settings.readBatchSize());
      lost = r.itemsLost();
      items = r.items();
    } else {
      lost = Math.max(0, before.getOrDefault(GraphCounts.NODES, 0L) - after.get(GraphCounts.NODES))
          + Math.max(0, before.getOrDefault(GraphCounts.EDGES, 0L) - after.get(GraphCounts.EDGES));
      items = List.of();
      warnings.add("graph '" + g + "': items lost are the drop in counts (this server's graph encoding cannot be read for an "
          + "entity-by-entity comparison)");
    }
    return new ResourceDiff(KIND, g, exists ? ChangeKind.REPLACE : ChangeKind.CREATE, changes,
        GraphSchema.diff(liveSchema, staged.schema()), lost, items);
  }

  /** The graphs of the backup to restore: the selected ones, or all. */
  private List<ResourceSummary> graphs(RestoreContext ctx) {
    Set<String> selected = ctx.resources();
    List<ResourceSummary> out = new ArrayList<>();
    for (ResourceSummary r : ctx.manifest().resources()) {
      if (KIND.equals(r.kind()) && (selected.isEmpty() || selected.contains(r.name()))) {
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

  @FunctionalInterface
  private interface ArtifactReader {
    void read(InputStream in) throws IOException;
  }

  /**
   * Streams an artifact into a reader. The source verifies size and SHA-256 only at the end of the
   * stream, so callers apply nothing live before this returns. Failures name the graph.
   */
  private void read(RestoreContext ctx, String graph, String name, ArtifactReader reader) throws IOException {
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
      reader.read(in);
      if (in.read() >= 0) {
        throw new ArtifactFormatException("data after the end");
      }
      in.close();
    } catch (MaintenanceException e) {
      MaintenanceException verdict = closeForVerdict(in);
      throw about(graph, verdict != null && e.code() != ErrorCode.INTEGRITY_MISMATCH ? verdict : e);
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
          + "' is not a valid graph " + (name.endsWith(".ndjson") ? "export" : "backup") + ": " + e.getMessage(),
          Map.of("graph", graph, "artifact", name), e);
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
      return e.code() == ErrorCode.INTEGRITY_MISMATCH ? e : null;
    } catch (IOException | RuntimeException e) {
      // undecodable; the close below still tells whether the stored bytes are intact
    }
    try {
      in.close();
      return null;
    } catch (MaintenanceException e) {
      return e.code() == ErrorCode.INTEGRITY_MISMATCH ? e : null;
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
   * Stages every graph (a physical payload in a temporary key, or a logical export rebuilt into a
   * staging graph; nothing live is touched while artifacts stream in and are verified), then swaps
   * each into place, keeping the original under a safety key, verifies the result, and puts the
   * originals back if anything failed.
   */
  public RestoreOutcome restore(RestoreContext ctx, RestoreHooks hooks) throws IOException {
    String tag = ctx.requestId();
    List<Staged> staged = new ArrayList<>();
    try (FalkorConnection c = connect()) {
      serverVersion(c);
      Physical.Target[] target = new Physical.Target[1];
      try {
        for (ResourceSummary r : graphs(ctx)) {
          ctx.ensureActive();
          Source source = source(c, ctx, r, target);
          String key = reserved("staging", tag, r.name());
          c.delete(key);
          if (source instanceof PhysicalSource p) {
            Staged s = new Staged(p, counts(p.meta().counts()), p.meta().schema(), key, List.of());
            staged.add(s);
            read(ctx, p.graph(), Artifact.dumpName(p.graph()), in -> checkScan(p, Physical.stage(c, in, key)));
          } else {
            staged.add(new Staged(source, null, null, key, List.of()));
            Staged s = load(c, ctx, (LogicalSource) source, key, null);
            staged.set(staged.size() - 1, s);
            GraphOps.create(c, key, s.schema());
            GraphCounts built = GraphOps.counts(c, key);
            if (!built.equals(s.counts())) {
              throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + r.name() + "': the staged copy holds " + built
                  + " instead of " + s.counts(), Map.of("graph", r.name()));
            }
          }
        }
        ctx.ensureActive();
      } catch (RuntimeException | IOException e) {
        for (Staged s : staged) {
          removeStaged(c, s);
        }
        throw e;
      }
      swap(c, tag, staged, hooks);
      List<ResourceSummary> found = new ArrayList<>();
      for (Staged s : staged) {
        String g = s.source().graph();
        Map<String, Long> counts = new TreeMap<>(GraphOps.counts(c, g).asMap());
        // Labels and types the plan listed that no longer exist are reported as 0.
        ctx.approvedPlan().ifPresent(p -> p.resources().stream().filter(d -> d.name().equals(g))
            .forEach(d -> d.counts().forEach(cc -> counts.putIfAbsent(cc.metric(), 0L))));
        found.add(new ResourceSummary(KIND, g, counts));
      }
      return new RestoreOutcome(found, List.of());
    }
  }

  private static void removeStaged(FalkorConnection c, Staged s) {
    if (s.key() != null) {
      deleteQuietly(c, s.key());
    }
  }

  private void swap(FalkorConnection c, String tag, List<Staged> staged, RestoreHooks hooks) {
    Map<String, Boolean> swapped = new LinkedHashMap<>();
    try {
      for (Staged s : staged) {
        String g = s.source().graph();
        String safety = reserved("safety", tag, g);
        boolean existed = s.source() instanceof PhysicalSource
            ? Physical.swap(c, g, s.key(), safety)
            : Physical.swapStaged(c, g, s.key(), safety);
        swapped.put(g, existed);
        hooks.afterSwap(g);
      }
      for (Staged s : staged) {
        String g = s.source().graph();
        c.awaitIndexes(g, true);
        GraphCounts live = GraphOps.counts(c, g);
        GraphSchema schema = GraphOps.schema(c, g);
        if (!live.equals(s.counts()) || !schema.describe().equals(s.schema().describe())) {
          throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + g + "': the restored graph holds " + live
              + " instead of " + s.counts(), Map.of("graph", g));
        }
      }
    } catch (RuntimeException e) {
      List<String> kept = putBack(c, tag, swapped);
      for (Staged s : staged) {
        removeStaged(c, s);
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
      swapped.forEach((g, existed) -> {
        if (existed) {
          deleteQuietly(c, reserved("safety", tag, g));
        }
      });
    }
  }

  /** Puts every swapped graph back as it was; returns the safety keys it could not restore from. */
  private List<String> putBack(FalkorConnection c, String tag, Map<String, Boolean> swapped) {
    List<String> kept = new ArrayList<>();
    List<String> graphs = new ArrayList<>(swapped.keySet());
    java.util.Collections.reverse(graphs);
    for (String g : graphs) {
      String safety = reserved("safety", tag, g);
      try {
        Physical.putBack(c, g, safety, swapped.get(g));
      } catch (RuntimeException e) {
        LOG.error("could not put graph '{}' back: {}", g, e.getMessage());
        if (swapped.get(g)) {
          kept.add(safety);
        }
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
