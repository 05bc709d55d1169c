package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.spi.support.NameFilter;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Backup, plan, restore and fingerprint of Qdrant collections: the work behind {@code QdrantDatastore}. */
public final class QdrantOperations {
  private static final Logger LOG = LoggerFactory.getLogger(QdrantOperations.class);
  private static final int BUFFER = 256 * 1024;
  /** Transfers overlap network and storage I/O through a few 1 MiB blocks. */
  private static final int READ_AHEAD_BLOCK = 1 << 20;
  private static final int READ_AHEAD_DEPTH = 4;
  /** Snapshots retaken when points were written while one was being made. */
  private static final int SNAPSHOT_ATTEMPTS = 3;
  public static final String META_VERSION = "qdrant.serverVersion";
  public static final String META_COLLECTIONS = "qdrant.collections";
  public static final String META_FORMAT = "qdrant.format";

  private final QdrantSettings settings;
  private final RestClient rest;
  private final GrpcGateway grpc;
  private final NameFilter selector;

  public QdrantOperations(QdrantSettings settings, RestClient rest, GrpcGateway grpc) {
    this.settings = settings;
    this.rest = rest;
    this.grpc = grpc;
    this.selector = NameFilter.of(settings.include(), settings.exclude());
  }

  // ---------------------------------------------------------------- fingerprint

  public Fingerprint fingerprint(Set<String> resources) {
    try {
      Set<String> names = resources.isEmpty() ? new TreeSet<>(selected()) : new TreeSet<>(resources);
      Map<String, List<String>> aliases = grpc.aliases();
      Map<String, String> components = new TreeMap<>();
      for (String name : names) {
        components.put(name, grpc.state(Names.collection(name), aliases.getOrDefault(name, List.of()))
            .map(CollectionState::fingerprint).orElse("absent"));
      }
      return Fingerprint.of(components);
    } catch (IOException e) {
      throw Failures.of("fingerprinting Qdrant collections", e);
    }
  }

  private List<String> selected() throws IOException {
    return grpc.listCollections().stream().filter(selector::matches).sorted().toList();
  }

  // ---------------------------------------------------------------- backup

  public DatastoreBackup backup(BackupContext ctx) {
    try {
      String version = grpc.version();
      List<String> collections = selected();
      List<ResourceSummary> resources = new ArrayList<>();
      Map<String, String> fingerprint = new TreeMap<>();
      for (String collection : collections) {
        CollectionState state = backupCollection(ctx, version, collection);
        resources.add(new ResourceSummary("collection", collection, state.counts()));
        fingerprint.put(collection, state.fingerprint());
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put(META_VERSION, version);
      metadata.put(META_COLLECTIONS, String.join(",", collections.stream().map(Names::encode).toList()));
      metadata.put(META_FORMAT, Integer.toString(CollectionRecord.FORMAT));
      return new DatastoreBackup(Fingerprint.of(fingerprint), resources, metadata);
    } catch (IOException e) {
      throw Failures.of("backing up Qdrant collections", e);
    }
  }

  private CollectionState backupCollection(BackupContext ctx, String version, String collection) throws IOException {
    Names.collection(collection);
    for (int attempt = 1; ; attempt++) {
      CollectionState before = liveState(collection);
      JsonNode restInfo = rest.collectionInfo(collection);
      SnapshotInfo snapshot = createSnapshot(collection);
      boolean kept = false;
      try {
        CollectionState after = liveState(collection);
        if (!after.fingerprint().equals(before.fingerprint())) {
          // Written to while the snapshot was made: its exact count is unknown, so take another.
          if (attempt < SNAPSHOT_ATTEMPTS) {
            LOG.info("collection '{}' changed while its snapshot was made; taking it again", collection);
            continue;
          }
          throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "collection '" + collection
              + "' kept changing while snapshots were made (" + SNAPSHOT_ATTEMPTS + " attempts); back it up while writes pause",
              Map.of("collection", collection));
        }
        String sha256 = download(ctx, collection, snapshot);
        CollectionRecord record = CollectionRecord.of(version, Names.snapshotArtifact(collection), snapshot, sha256, after, restInfo);
        try (OutputStream out = ctx.artifacts().create(Names.metaArtifact(collection), "application/json")) {
          record.write(out);
        }
        kept = true;
        return after;
      } finally {
        deleteServerSnapshot(collection, snapshot, kept);
      }
    }
  }

  private CollectionState liveState(String collection) throws IOException {
    List<String> aliases = grpc.aliases().getOrDefault(collection, List.of());
    return grpc.state(collection, aliases).orElseThrow(() -> new MaintenanceException(ErrorCode.DATASTORE_FAILURE,
        "collection '" + collection + "' disappeared during the backup", Map.of("collection", collection)));
  }

  /** Starts a snapshot without holding a request open ({@code wait=false}) and polls the listing until it appears. */
  private SnapshotInfo createSnapshot(String collection) throws IOException {
    Set<String> before = new TreeSet<>();
    grpc.listSnapshots(collection).forEach(s -> before.add(s.name()));
    Optional<SnapshotInfo> immediate = rest.startSnapshot(collection);
    Instant deadline = Instant.now().plus(settings.snapshotTimeout());
    while (true) {
      for (SnapshotInfo s : grpc.listSnapshots(collection)) {
        if (immediate.map(i -> i.name().equals(s.name())).orElse(!before.contains(s.name()))) {
          return s;
        }
      }
      if (Instant.now().isAfter(deadline)) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "the snapshot of collection '" + collection
            + "' was not listed within " + settings.snapshotTimeout(), Map.of("collection", collection));
      }
      try {
        Thread.sleep(settings.pollInterval().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the snapshot of '" + collection + "'");
      }
    }
  }

  /**
   * Streams the snapshot from the server into storage and checks the stored size and SHA-256 (which the
   * sink computes on the way, so the bytes are hashed once) against what Qdrant reported. A mismatch
   * fails the backup; the stored artifact then belongs to a failed backup and is cleaned up with it.
   */
  private String download(BackupContext ctx, String collection, SnapshotInfo snapshot) throws IOException {
    String expected = snapshot.checksum().orElseThrow(() -> new MaintenanceException(ErrorCode.DATASTORE_FAILURE,
        "Qdrant reported no checksum for snapshot '" + snapshot.name() + "' of '" + collection + "'",
        Map.of("collection", collection)));
    String artifact = Names.snapshotArtifact(collection);
    ProgressListener progress = ctx.progress();
    long total = 0;
    RestClient.Download download = rest.download(collection, snapshot.name());
    try (InputStream in = new ReadAheadInputStream(download.body(), READ_AHEAD_BLOCK, READ_AHEAD_DEPTH, "qdrant-download")) {
      OutputStream out = ctx.artifacts().create(artifact, "application/x-tar");
      byte[] buf = new byte[BUFFER];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        total += n;
        progress.onProgress("collection " + collection + ": snapshot download", total, snapshot.size());
      }
      out.close();
    }
    ArtifactInfo stored = ctx.artifacts().completed().stream().filter(a -> a.name().equals(artifact))
        .reduce((a, b) -> b).orElseThrow();
    if (stored.size() != snapshot.size() || !stored.sha256().equals(expected)) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "snapshot '" + snapshot.name() + "' of '" + collection
          + "' arrived with " + stored.size() + " bytes and SHA-256 " + stored.sha256() + "; Qdrant reported "
          + snapshot.size() + " bytes and " + expected,
          Map.of("collection", collection, "expectedSha256", expected, "actualSha256", stored.sha256()));
    }
    return stored.sha256();
  }

  private void deleteServerSnapshot(String collection, SnapshotInfo snapshot, boolean afterSuccess) {
    try {
      rest.deleteSnapshot(collection, snapshot.name());
    } catch (IOException e) {
      // The backup itself is sound; a leftover server-side snapshot only costs disk.
      LOG.warn("could not delete server-side snapshot '{}' of '{}' ({}): {}", snapshot.name(), collection,
          afterSuccess ? "after backup" : "after a failed backup", e.getMessage());
    }
  }

  // ---------------------------------------------------------------- plan

  public DatastorePlan plan(RestoreContext ctx, String datastoreId, String type) {
    try {
      List<CollectionRecord> records = records(ctx);
      ServerVersion target = targetVersion();
      List<String> warnings = new ArrayList<>();
      for (CollectionRecord r : records) {
        gate(r, ServerVersion.parse(r.serverVersion()), target, "recorded");
        SnapshotContents contents = inspect(ctx, r);
        if (contents.version().isPresent()) {
          gate(r, parseSnapshotVersion(r, contents.version().get()), target, "snapshot's version.info");
        }
        if (!ServerVersion.parse(r.serverVersion()).equals(target)) {
          warnings.add("collection '" + r.collection() + "' was backed up from Qdrant " + r.serverVersion()
              + " and is restored into " + target);
        }
      }
      Map<String, List<String>> aliases = grpc.aliases();
      List<ResourceDiff> diffs = new ArrayList<>();
      for (CollectionRecord r : records) {
        Optional<CollectionState> live = grpc.state(r.collection(), aliases.getOrDefault(r.collection(), List.of()));
        diffs.add(diff(r, live, aliases, warnings));
      }
      return new DatastorePlan(datastoreId, type, diffs, warnings);
    } catch (IOException e) {
      throw Failures.of("planning the Qdrant restore", e);
    }
  }

  private ServerVersion targetVersion() throws IOException {
    String v = grpc.version();
    try {
      return ServerVersion.parse(v);
    } catch (IllegalArgumentException e) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "the target Qdrant reports an unreadable version '" + v + "'");
    }
  }

  private static ServerVersion parseSnapshotVersion(CollectionRecord r, String text) {
    try {
      return ServerVersion.parse(text);
    } catch (IllegalArgumentException e) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the snapshot of '" + r.collection()
          + "' names an unreadable Qdrant version", Map.of("collection", r.collection()));
    }
  }

  /** The compatibility gate: Qdrant loads snapshots of its own minor release and of the previous one. */
  private static void gate(CollectionRecord r, ServerVersion creator, ServerVersion target, String source) {
    if (!target.canLoadSnapshotOf(creator)) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the snapshot of collection '" + r.collection()
          + "' was made by Qdrant " + creator + " (" + source + "); the target runs " + target
          + ", which loads snapshots of " + creator.major() + "." + creator.minor() + ".x and "
          + creator.major() + "." + (creator.minor() + 1) + ".x only",
          Map.of("collection", r.collection(), "snapshotVersion", creator.toString(), "targetVersion", target.toString()));
    }
  }

  /** Reads the whole snapshot through the verifying source: structure, config and version. */
  private SnapshotContents inspect(RestoreContext ctx, CollectionRecord r) throws IOException {
    ArtifactInfo artifact = snapshotArtifact(ctx.artifacts(), r);
    try (InputStream in = ctx.artifacts().openRaw(artifact.name())) {
      return SnapshotContents.read(artifact.name(), new java.io.BufferedInputStream(in, BUFFER));
    }
  }

  private static ArtifactInfo snapshotArtifact(ArtifactSource source, CollectionRecord r) {
    ArtifactInfo a = source.find(r.snapshotArtifact()).orElseThrow(() -> new MaintenanceException(ErrorCode.ARTIFACT_MISSING,
        "the backup has no snapshot artifact '" + r.snapshotArtifact() + "' for collection '" + r.collection() + "'",
        Map.of("collection", r.collection(), "artifact", r.snapshotArtifact())));
    if (!a.sha256().equals(r.snapshot().sha256())) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "the stored snapshot of '" + r.collection()
          + "' is not the one Qdrant made: its SHA-256 is " + a.sha256() + ", Qdrant's checksum was " + r.snapshot().sha256(),
          Map.of("collection", r.collection(), "artifact", a.name()));
    }
    return a;
  }

  /** The collection records of the backup, in collection order; names are validated. */
  private static List<CollectionRecord> records(RestoreContext ctx) throws IOException {
    ArtifactSource source = ctx.artifacts();
    List<CollectionRecord> out = new ArrayList<>();
    for (ArtifactInfo a : source.list()) {
      if (a.name().endsWith(Names.META_SUFFIX)) {
        try (InputStream in = source.open(a.name())) {
          CollectionRecord r = CollectionRecord.read(a.name(), in);
          if (!Names.metaArtifact(r.collection()).equals(a.name()) || !Names.snapshotArtifact(r.collection()).equals(r.snapshotArtifact())) {
            throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "artifact '" + a.name()
                + "' describes collection '" + r.collection() + "' under another name", Map.of("artifact", a.name()));
          }
          out.add(r);
        }
      }
    }
    // A backup of a server with no (selected) collections is empty and restores nothing; a backup that
    // names collections but holds none of their records is not one this plugin can restore.
    if (out.isEmpty() && !ctx.manifest().metadata().getOrDefault(META_COLLECTIONS, "").isEmpty()) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the backup names Qdrant collections "
          + ctx.manifest().metadata().get(META_COLLECTIONS) + " but holds no collection records");
    }
    out.sort(java.util.Comparator.comparing(CollectionRecord::collection));
    return out;
  }

  private static ResourceDiff diff(CollectionRecord r, Optional<CollectionState> live, Map<String, List<String>> aliases,
      List<String> warnings) {
    List<String> changes = new ArrayList<>();
    CollectionState backedUp = r.state();
    long before = live.map(CollectionState::points).orElse(0L);
    if (live.isPresent()) {
      CollectionState now = live.get();
      compare("vector", now.vectors(), backedUp.vectors(), changes);
      compare("sparse vector", now.sparseVectors(), backedUp.sparseVectors(), changes);
      compare("payload index", now.payloadSchema(), backedUp.payloadSchema(), changes);
      if (!now.settings().equals(backedUp.settings())) {
        changes.add("collection settings: " + now.settings() + " -> " + backedUp.settings());
      }
      for (String alias : now.aliases()) {
        if (!backedUp.aliases().contains(alias)) {
          changes.add("alias '" + alias + "' will be removed (not in the backup)");
        }
      }
    } else {
      changes.add("collection will be created from the snapshot");
    }
    for (String alias : backedUp.aliases()) {
      if (live.map(s -> !s.aliases().contains(alias)).orElse(true)) {
        String elsewhere = aliases.entrySet().stream().filter(e -> e.getValue().contains(alias)).map(Map.Entry::getKey)
            .findFirst().orElse(null);
        changes.add("alias '" + alias + "' will be " + (elsewhere == null ? "created" : "moved here from collection '" + elsewhere + "'"));
        if (elsewhere != null) {
          warnings.add("alias '" + alias + "' now points at '" + elsewhere + "'; the restore moves it to '" + r.collection() + "'");
        }
      }
    }
    return new ResourceDiff("collection", r.collection(), live.isPresent() ? ChangeKind.REPLACE : ChangeKind.CREATE,
        List.of(new CountChange("points", before, r.points())), changes, Math.max(0, before - r.points()));
  }

  private static void compare(String what, Map<String, String> now, Map<String, String> after, List<String> changes) {
    Set<String> keys = new TreeSet<>(now.keySet());
    keys.addAll(after.keySet());
    for (String k : keys) {
      String label = what + (k.isEmpty() ? "" : " '" + k + "'");
      String a = now.get(k);
      String b = after.get(k);
      if (a == null) {
        changes.add(label + " will be added: " + b);
      } else if (b == null) {
        changes.add(label + " will be removed: " + a);
      } else if (!a.equals(b)) {
        changes.add(label + ": " + a + " -> " + b);
      }
    }
  }

  // ---------------------------------------------------------------- restore

  public RestoreOutcome restore(RestoreContext ctx) {
    List<CollectionRecord> records;
    ServerVersion target;
    try {
      records = records(ctx);
      target = targetVersion();
    } catch (IOException e) {
      throw Failures.of("preparing the Qdrant restore", e);
    }
    for (CollectionRecord r : records) {
      gate(r, ServerVersion.parse(r.serverVersion()), target, "recorded");
      snapshotArtifact(ctx.artifacts(), r);
    }
    preverify(ctx, records);
    List<ResourceSummary> found = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    for (CollectionRecord r : records) {
      if (!ServerVersion.parse(r.serverVersion()).equals(target)) {
        warnings.add("collection '" + r.collection() + "' was backed up from Qdrant " + r.serverVersion()
            + " and restored into " + target);
      }
    }
    List<String> restored = new ArrayList<>();
    for (CollectionRecord r : records) {
      try {
        transfer(ctx, r);
        grpc.setAliases(r.collection(), r.aliases(), grpc.aliases());
        CollectionState now = verify(r);
        found.add(new ResourceSummary("collection", r.collection(), now.counts()));
        restored.add(r.collection());
      } catch (IOException | RuntimeException e) {
        throw failed(r, records, restored, e);
      }
    }
    return new RestoreOutcome(found, warnings);
  }

  /**
   * With several collections, a snapshot altered after the preview must not leave the ones before it
   * restored: every snapshot but the first is read through its checksum before anything is uploaded.
   * (The first is checked while it streams, and by Qdrant against the checksum parameter, before
   * Qdrant touches the collection.)
   */
  private static void preverify(RestoreContext ctx, List<CollectionRecord> records) {
    for (CollectionRecord r : records.subList(Math.min(1, records.size()), records.size())) {
      ArtifactInfo artifact = snapshotArtifact(ctx.artifacts(), r);
      try (InputStream in = ctx.artifacts().openRaw(artifact.name())) {
        in.transferTo(OutputStream.nullOutputStream());
      } catch (IOException e) {
        throw Failures.of("verifying the snapshot of '" + r.collection() + "' before the restore", e);
      }
      ctx.progress().onProgress("collection " + r.collection() + ": snapshot verified", artifact.size(), artifact.size());
    }
  }

  private void transfer(RestoreContext ctx, CollectionRecord r) throws IOException {
    ArtifactInfo artifact = snapshotArtifact(ctx.artifacts(), r);
    Optional<URI> url = settings.uploadOnly() ? Optional.empty() : ctx.artifacts().presign(artifact.name(), settings.presignTtl());
    ctx.progress().onProgress("collection " + r.collection() + ": snapshot " + (url.isPresent() ? "recovery from URL" : "upload"),
        0, artifact.size());
    if (url.isPresent()) {
      rest.recover(r.collection(), url.get(), artifact.sha256());
      return;
    }
    InputStream raw = ctx.artifacts().openRaw(artifact.name());
    Capturing source = new Capturing(raw);
    InputStream ahead = new ReadAheadInputStream(source, READ_AHEAD_BLOCK, READ_AHEAD_DEPTH, "qdrant-upload");
    try {
      rest.upload(r.collection(), artifact.name(), ahead, artifact.size(), artifact.sha256());
    } catch (IOException | RuntimeException e) {
      closeQuietly(ahead, e);
      // A failure of our own source (tampered or missing artifact) beats the transport error it caused.
      if (source.failure != null) {
        throw Failures.of("streaming the snapshot of '" + r.collection() + "'", source.failure);
      }
      throw e;
    }
    ahead.close();
    ctx.progress().onProgress("collection " + r.collection() + ": snapshot upload", artifact.size(), artifact.size());
  }

  /** Checks the restored collection against the record: exact points, vector config, payload schema, aliases. */
  private CollectionState verify(CollectionRecord r) throws IOException {
    Map<String, List<String>> aliases = grpc.aliases();
    CollectionState now = grpc.state(r.collection(), aliases.getOrDefault(r.collection(), List.of()))
        .orElseThrow(() -> new MaintenanceException(ErrorCode.DATASTORE_FAILURE,
            "collection '" + r.collection() + "' does not exist after its snapshot was recovered"));
    List<String> problems = new ArrayList<>();
    if (now.points() != r.points()) {
      problems.add("points " + now.points() + ", expected " + r.points());
    }
    if (!now.vectors().equals(r.vectors())) {
      problems.add("vectors " + now.vectors() + ", expected " + r.vectors());
    }
    if (!types(now.payloadSchema()).equals(types(r.payloadSchema()))) {
      problems.add("payload schema " + types(now.payloadSchema()) + ", expected " + types(r.payloadSchema()));
    }
    if (!now.aliases().equals(r.aliases())) {
      problems.add("aliases " + now.aliases() + ", expected " + r.aliases());
    }
    if (!problems.isEmpty()) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "collection '" + r.collection()
          + "' does not match the backup after the restore: " + String.join("; ", problems), Map.of("collection", r.collection()));
    }
    return now;
  }

  private static Map<String, String> types(Map<String, String> schema) {
    Map<String, String> t = new TreeMap<>();
    schema.forEach((k, v) -> t.put(k, v.split(" ", 2)[0]));
    return t;
  }

  /** The error of a failed restore: the server's message, what is restored, and the failed collection's state now. */
  private MaintenanceException failed(CollectionRecord r, List<CollectionRecord> all, List<String> restored, Throwable e) {
    MaintenanceException base = Failures.of("restoring collection '" + r.collection() + "'", e);
    String state = describeState(r.collection());
    List<String> pending = all.stream().map(CollectionRecord::collection)
        .filter(c -> !restored.contains(c) && !c.equals(r.collection())).toList();
    Map<String, String> details = new LinkedHashMap<>(base.details());
    details.put("collection", r.collection());
    details.put("collectionState", state);
    details.put("restored", String.join(",", restored));
    details.put("notAttempted", String.join(",", pending));
    String message = base.getMessage() + ". Collection '" + r.collection() + "' is now " + state
        + (restored.isEmpty() ? "" : "; already restored: " + restored)
        + (pending.isEmpty() ? "" : "; not attempted: " + pending);
    return new MaintenanceException(base.code(), message, details, e);
  }

  private String describeState(String collection) {
    try {
      return grpc.state(collection, List.of())
          .map(s -> "present with " + s.points() + " points (config " + s.configHash().substring(0, 12) + ")")
          .orElse("absent");
    } catch (IOException | RuntimeException e) {
      return "unknown (" + Failures.message(e) + ")";
    }
  }

  private static void closeQuietly(InputStream in, Throwable primary) {
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      // an unread verifying stream complains when closed early; the primary failure is what matters
      primary.addSuppressed(e);
    }
  }

  /** Remembers the first failure of the artifact stream that feeds an upload. */
  private static final class Capturing extends FilterInputStream {
    volatile Throwable failure;

    Capturing(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException | RuntimeException e) {
        failure = failure == null ? e : failure;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException | RuntimeException e) {
        failure = failure == null ? e : failure;
        throw e;
      }
    }
  }
}
