package io.maintenance.datastore.qdrant.testing;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.maintenance.spi.support.Digests;
import io.qdrant.client.grpc.Collections.CollectionConfig;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.CollectionStatus;
import io.qdrant.client.grpc.Collections.OptimizerStatus;
import io.qdrant.client.grpc.Collections.PayloadSchemaInfo;
import io.qdrant.client.grpc.Points.PointId;
import io.qdrant.client.grpc.Points.PointStruct;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An in-JVM stand-in for a single-node Qdrant, serving exactly what the plugin and its tests use:
 * the REST snapshot endpoints (create, list, download, delete, upload, recover), {@code GET /},
 * {@code GET /collections[/{c}]}, and the gRPC services Qdrant, Collections, Points (upsert, delete by
 * id, scroll, count, field index) and Snapshots, with Qdrant's request and response shapes, status
 * codes, {@code api-key} checks and checksum behaviour.
 *
 * <p>It keeps real state: points live in memory, a snapshot is a tar archive on disk that captures
 * them (plus the collection's {@code config.json} and {@code version.info}, like Qdrant's), and a
 * recovery unpacks it and really replaces the collection's points. Where it is simpler than Qdrant:
 * one shard, no filters in scroll/count/delete, no search, shard data is a protobuf file rather than
 * segments, no WAL, collection config is what the gRPC create request says.
 */
public final class FakeQdrant implements AutoCloseable {
  static final String PEER_ID = "4242424242";
  /** What Qdrant 1.15 to 1.19 write into a collection snapshot's {@code version.info}: its collection format version. */
  static final String COLLECTION_FORMAT_VERSION = "0.4.2";
  private static final DateTimeFormatter SNAPSHOT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss").withZone(ZoneOffset.UTC);

  final Object lock = new Object();
  final TreeMap<String, Collection> collections = new TreeMap<>();
  final TreeMap<String, String> aliases = new TreeMap<>();
  final Path root;
  final Optional<String> apiKey;
  volatile String version;
  volatile Duration snapshotDelay;
  volatile Duration checksumDelay = Duration.ZERO;
  volatile boolean s3SnapshotStorage;
  volatile boolean urlRecoveryEnabled = true;
  final AtomicReference<String> failNextRecovery = new AtomicReference<>();
  /** Alias operations still to apply before the next one fails; -1 when none is to fail. */
  final AtomicInteger aliasOperationsBeforeFailure = new AtomicInteger(-1);
  final AtomicInteger recoveries = new AtomicInteger();
  final List<String> requestLog = new CopyOnWriteArrayList<>();
  final ExecutorService background = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-qdrant-background");
    t.setDaemon(true);
    return t;
  });
  private final FakeRest rest;
  private final Server grpc;

  /** One collection: its config, payload indexes, points, and extra segment files on disk. */
  static final class Collection {
    final String name;
    CollectionConfig config;
    final TreeMap<String, PayloadSchemaInfo> schema = new TreeMap<>();
    final TreeMap<PointKey, PointStruct> points = new TreeMap<>();
    Path segments;

    Collection(String name, CollectionConfig config, Path segments) {
      this.name = name;
      this.config = config;
      this.segments = segments;
    }

    CollectionInfo info() {
      CollectionInfo.Builder b = CollectionInfo.newBuilder()
          .setStatus(CollectionStatus.Green)
          .setOptimizerStatus(OptimizerStatus.newBuilder().setOk(true))
          .setSegmentsCount(1)
          .setPointsCount(points.size())
          .setIndexedVectorsCount(0)
          .setConfig(config);
      schema.forEach((field, info) -> b.putPayloadSchema(field, info.toBuilder()
          .setPoints(points.values().stream().filter(p -> p.containsPayload(field)).count()).build()));
      return b.build();
    }
  }

  /** Point ids sort like Qdrant's: numbers first, then UUIDs. */
  record PointKey(long num, String uuid) implements Comparable<PointKey> {
    static PointKey of(PointId id) {
      return id.hasUuid() ? new PointKey(Long.MAX_VALUE, id.getUuid()) : new PointKey(id.getNum(), "");
    }

    PointId id() {
      return uuid.isEmpty() ? PointId.newBuilder().setNum(num).build() : PointId.newBuilder().setUuid(uuid).build();
    }

    @Override
    public int compareTo(PointKey o) {
      int c = Boolean.compare(!uuid.isEmpty(), !o.uuid.isEmpty());
      if (c != 0) {
        return c;
      }
      return uuid.isEmpty() ? Long.compareUnsigned(num, o.num) : uuid.compareTo(o.uuid);
    }
  }

  private FakeQdrant(Path root, Optional<String> apiKey, String version) throws IOException {
    this.root = root;
    this.apiKey = apiKey;
    this.version = version;
    this.snapshotDelay = Duration.ZERO;
    Files.createDirectories(root.resolve("collections"));
    Files.createDirectories(root.resolve("snapshots"));
    Files.createDirectories(root.resolve("tmp"));
    this.rest = new FakeRest(this);
    this.grpc = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(io.grpc.ServerInterceptors.intercept(new FakeGrpc.QdrantService(this), FakeGrpc.auth(this)))
        .addService(io.grpc.ServerInterceptors.intercept(new FakeGrpc.CollectionsService(this), FakeGrpc.auth(this)))
        .addService(io.grpc.ServerInterceptors.intercept(new FakeGrpc.PointsService(this), FakeGrpc.auth(this)))
        .addService(io.grpc.ServerInterceptors.intercept(new FakeGrpc.SnapshotsService(this), FakeGrpc.auth(this)))
        .build()
        .start();
  }

  /** Starts a double on free loopback ports, keeping its files under {@code root}. */
  public static FakeQdrant start(Path root, String apiKey, String version) throws IOException {
    return new FakeQdrant(root, Optional.ofNullable(apiKey), version);
  }

  public URI restUrl() {
    return URI.create("http://127.0.0.1:" + rest.port());
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  public String apiKey() {
    return apiKey.orElse("");
  }

  /** The version the server reports (and writes into new snapshots). */
  public void version(String v) {
    this.version = v;
  }

  /** Makes background ({@code wait=false}) snapshot creation take at least this long. */
  public void snapshotDelay(Duration d) {
    this.snapshotDelay = d;
  }

  /**
   * Writes a new snapshot's {@code .checksum} file this long after the snapshot appears in the listing
   * (Qdrant 1.18 moves the snapshot into place first; the gap there is short but real).
   */
  public void checksumDelay(Duration d) {
    this.checksumDelay = d;
  }

  /** Keeps snapshots like Qdrant with S3 snapshot storage: listed without checksums. */
  public void s3SnapshotStorage(boolean s3) {
    this.s3SnapshotStorage = s3;
  }

  /** {@code enable_snapshot_url_recovery}: when false, recovery from http(s) URLs answers 403. */
  public void urlRecovery(boolean enabled) {
    this.urlRecoveryEnabled = enabled;
  }

  /** The next upload or recovery fails on the server after the body arrived, with this message, leaving the collection as it was. */
  public void failNextRecovery(String message) {
    failNextRecovery.set(message);
  }

  /**
   * The alias operation after the next {@code applied} ones fails (as a server error would), leaving
   * those applied, as Qdrant leaves them.
   */
  public void failAliasOperationAfter(int applied) {
    aliasOperationsBeforeFailure.set(applied);
  }

  /** Uploads and URL recoveries that reached the recovery step (body received, checksum checked). */
  public int recoveries() {
    return recoveries.get();
  }

  /** Every REST request as {@code METHOD path?query}, in arrival order. */
  public List<String> requestLog() {
    return List.copyOf(requestLog);
  }

  /** Names of the snapshots the server holds for a collection. */
  public List<String> snapshotFiles(String collection) throws IOException {
    return listSnapshots(collection).stream().map(SnapshotFile::name).toList();
  }

  /**
   * Adds a data file of {@code size} pseudo-random bytes to a collection's shard, written as it is
   * generated; it goes into the collection's snapshots and comes back with them (as segment files do).
   */
  public void addSegmentFile(String collection, String name, long size, long seed) throws IOException {
    Path dir;
    synchronized (lock) {
      Collection c = collections.get(collection);
      if (c == null) {
        throw new IllegalArgumentException("no collection " + collection);
      }
      dir = c.segments;
    }
    try (InputStream in = io.maintenance.tck.TestData.stream(seed, size); OutputStream out = Files.newOutputStream(dir.resolve(name))) {
      in.transferTo(out);
    }
  }

  // ---------------------------------------------------------------- state shared by REST and gRPC

  /** The collection a name stands for: Qdrant resolves aliases in info, exists, count, scroll and recovery. */
  String resolve(String name) {
    return aliases.getOrDefault(name, name);
  }

  Collection require(String name) throws QdrantError {
    Collection c = collections.get(resolve(name));
    if (c == null) {
      throw QdrantError.notFound("Collection `" + name + "` doesn't exist!");
    }
    return c;
  }

  Path newSegmentsDir(String collection) throws IOException {
    return Files.createDirectories(root.resolve("collections").resolve(encode(collection) + "-" + System.nanoTime()));
  }

  Path snapshotDir(String collection) throws IOException {
    return Files.createDirectories(root.resolve("snapshots").resolve(encode(collection)));
  }

  static String encode(String name) {
    return Digests.sha256Hex(name).substring(0, 16);
  }

  /** A snapshot file with its checksum. */
  record SnapshotFile(String name, long size, String checksum, Instant created) {}

  List<SnapshotFile> listSnapshots(String name) throws IOException {
    String collection;
    synchronized (lock) {
      collection = require(name).name;
    }
    List<SnapshotFile> out = new ArrayList<>();
    Path dir = snapshotDir(collection);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.snapshot")) {
      for (Path p : ds) {
        Path sum = dir.resolve(p.getFileName() + ".checksum");
        String checksum = !s3SnapshotStorage && Files.exists(sum) ? Files.readString(sum).trim() : null;
        out.add(new SnapshotFile(p.getFileName().toString(), Files.size(p), checksum, Files.getLastModifiedTime(p).toInstant()));
      }
    }
    out.sort(Comparator.comparing(SnapshotFile::name));
    return out;
  }

  /**
   * Writes a snapshot like Qdrant 1.18 does: archive to a temporary file, move it into place, then write
   * its {@code .checksum} file (none with S3 snapshot storage), so a snapshot can be listed before its
   * checksum is.
   */
  SnapshotFile createSnapshot(String name0) throws IOException {
    CollectionConfig config;
    CollectionInfo info;
    List<PointStruct> points;
    List<Path> segmentFiles;
    String collection;
    synchronized (lock) {
      Collection c = require(name0);
      collection = c.name;
      config = c.config;
      info = c.info();
      points = new ArrayList<>(c.points.values());
      try (Stream<Path> s = Files.list(c.segments)) {
        segmentFiles = s.sorted().toList();
      }
    }
    sleep(snapshotDelay);
    String name = collection + "-" + PEER_ID + "-" + SNAPSHOT_TIME.format(Instant.now()) + ".snapshot";
    Path dir = snapshotDir(collection);
    Path tmp = Files.createTempFile(root.resolve("tmp"), "snapshot-", ".tar");
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 256 * 1024))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      putText(tar, "./version.info", COLLECTION_FORMAT_VERSION);
      putText(tar, "./config.json", FakeRest.restConfig(config).toString());
      putText(tar, "./payload_index.json", FakeRest.payloadIndexJson(info).toString());
      putText(tar, "./0/shard_config.json", "{\"type\":\"Local\"}");
      putBytes(tar, "./0/collection_info.pb", info.toByteArray());
      TarArchiveEntry pe = new TarArchiveEntry("./0/points.pb");
      java.io.ByteArrayOutputStream pointBytes = new java.io.ByteArrayOutputStream();
      for (PointStruct p : points) {
        p.writeDelimitedTo(pointBytes);
      }
      pe.setSize(pointBytes.size());
      tar.putArchiveEntry(pe);
      pointBytes.writeTo(tar);
      tar.closeArchiveEntry();
      for (Path f : segmentFiles) {
        TarArchiveEntry e = new TarArchiveEntry("./0/segments/" + f.getFileName());
        e.setSize(Files.size(f));
        tar.putArchiveEntry(e);
        Files.copy(f, tar);
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
    String checksum = sha256(tmp);
    Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    if (!s3SnapshotStorage) {
      Runnable writeChecksum = () -> {
        sleep(checksumDelay);
        try {
          // Written aside and renamed, as Qdrant does, so a reader never sees a half-written checksum.
          Path sum = Files.writeString(dir.resolve(name + ".checksum.tmp"), checksum);
          Files.move(sum, dir.resolve(name + ".checksum"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      };
      if (checksumDelay.isZero()) {
        writeChecksum.run();
      } else {
        background.submit(writeChecksum);
      }
    }
    return new SnapshotFile(name, Files.size(dir.resolve(name)), s3SnapshotStorage ? null : checksum, Instant.now());
  }

  boolean deleteSnapshot(String collection, String name) throws IOException {
    synchronized (lock) {
      collection = require(collection).name;
    }
    Path dir = snapshotDir(collection);
    Path p = dir.resolve(name).normalize();
    if (!p.getParent().equals(dir) || !Files.exists(p)) {
      throw QdrantError.notFound("Snapshot " + name + " not found");
    }
    Files.deleteIfExists(dir.resolve(name + ".checksum"));
    Files.delete(p);
    return true;
  }

  Path snapshotPath(String collection, String name) throws IOException {
    synchronized (lock) {
      collection = require(collection).name;
    }
    Path dir = snapshotDir(collection);
    Path p = dir.resolve(name).normalize();
    if (!p.getParent().equals(dir) || !Files.isRegularFile(p)) {
      throw QdrantError.notFound("Snapshot " + name + " not found");
    }
    return p;
  }

  /** Where a recovery's bytes came from: Qdrant words a checksum refusal differently for each. */
  enum Source { UPLOAD, URL }

  /**
   * Recovers a collection from a snapshot file as Qdrant does: verifies the checksum if one is given,
   * unpacks the archive, and if the collection (or the collection an alias of that name points at)
   * exists, replaces only its points and segment files, keeping its config and payload indexes, after
   * refusing other vector params or shard number; otherwise creates it with the snapshot's config and
   * indexes. Aliases are not touched (they are not in snapshots).
   */
  void recover(String name, Path snapshot, Optional<String> checksum, Source source) throws IOException {
    if (checksum.isPresent()) {
      String actual = sha256(snapshot);
      if (!actual.equalsIgnoreCase(checksum.get())) {
        throw source == Source.UPLOAD
            // Qdrant passes the computed hash as "expected" and the requested one as "actual".
            ? new QdrantError(400, "Checksum mismatch: expected " + actual + ", actual " + checksum.get())
            : new QdrantError(400, "Wrong input: Snapshot checksum mismatch: expected " + checksum.get() + ", got " + actual);
      }
    }
    recoveries.incrementAndGet();
    String failure = failNextRecovery.getAndSet(null);
    if (failure != null) {
      throw new QdrantError(500, "Service internal error: " + failure);
    }
    CollectionInfo info = null;
    List<PointStruct> points = new ArrayList<>();
    String collection = resolve(name);
    Path segments = newSegmentsDir(collection);
    boolean hasConfigJson = false;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(snapshot), 256 * 1024))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String entry = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        if (entry.equals("config.json")) {
          hasConfigJson = true;
        } else if (entry.equals("0/collection_info.pb")) {
          info = CollectionInfo.parseFrom(tar.readAllBytes());
        } else if (entry.equals("0/points.pb")) {
          InputStream body = new java.io.ByteArrayInputStream(tar.readAllBytes());
          PointStruct p;
          while ((p = PointStruct.parseDelimitedFrom(body)) != null) {
            points.add(p);
          }
        } else if (entry.startsWith("0/segments/") && e.isFile()) {
          Path target = segments.resolve(entry.substring("0/segments/".length())).normalize();
          if (!target.getParent().equals(segments)) {
            throw new QdrantError(400, "Bad request: snapshot entry escapes the shard directory");
          }
          Files.copy(tar, target);
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      if (e instanceof QdrantError q) {
        throw q;
      }
      throw new QdrantError(500, "Service internal error: failed to unpack snapshot: " + e.getMessage());
    }
    if (!hasConfigJson || info == null) {
      throw new QdrantError(500, "Service internal error: Can't read shard config in snapshot");
    }
    synchronized (lock) {
      Collection old = collections.get(collection);
      Collection c;
      if (old != null) {
        var live = old.config.getParams();
        var snap = info.getConfig().getParams();
        if (!live.getVectorsConfig().equals(snap.getVectorsConfig())) {
          throw new QdrantError(400, "Wrong input: Snapshot is not compatible with existing collection: Collection vectors: "
              + live.getVectorsConfig() + " Snapshot Vectors: " + snap.getVectorsConfig());
        }
        if (live.getShardNumber() != snap.getShardNumber()) {
          throw new QdrantError(400, "Wrong input: Snapshot is not compatible with existing collection: Collection shard number: "
              + live.getShardNumber() + " Snapshot shard number: " + snap.getShardNumber());
        }
        c = new Collection(collection, old.config, segments);
        c.schema.putAll(old.schema);
      } else {
        c = new Collection(collection, info.getConfig(), segments);
        info.getPayloadSchemaMap().forEach((k, v) -> c.schema.put(k, v.toBuilder().clearPoints().build()));
      }
      points.forEach(p -> c.points.put(PointKey.of(p.getId()), p));
      collections.put(collection, c);
      if (old != null) {
        deleteTree(old.segments);
      }
    }
  }

  void dropCollection(String name) {
    Collection old;
    synchronized (lock) {
      old = collections.remove(name);
      aliases.values().removeIf(name::equals);
    }
    if (old != null) {
      deleteTree(old.segments);
    }
  }

  static String sha256(Path file) throws IOException {
    MessageDigest md = Digests.sha256();
    byte[] buf = new byte[256 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
      }
    }
    return Digests.hex(md.digest());
  }

  private static void putText(TarArchiveOutputStream tar, String name, String text) throws IOException {
    putBytes(tar, name, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void putBytes(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(bytes.length);
    tar.putArchiveEntry(e);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(Duration d) {
    if (d.isZero()) {
      return;
    }
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Every alias and the collection it points at. */
  public Map<String, String> aliases() {
    return aliasesSnapshot();
  }

  Map<String, String> aliasesSnapshot() {
    synchronized (lock) {
      return new TreeMap<>(aliases);
    }
  }

  @Override
  public void close() {
    rest.stop();
    grpc.shutdownNow();
    background.shutdownNow();
    deleteTree(root);
  }

  /** A Qdrant error: HTTP status plus the text Qdrant puts into {@code status.error}. */
  static final class QdrantError extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;

    QdrantError(int status, String message) {
      super(message);
      this.status = status;
    }

    static QdrantError notFound(String what) {
      return new QdrantError(404, "Not found: " + what);
    }

    static QdrantError badRequest(String what) {
      return new QdrantError(400, "Bad request: " + what);
    }
  }
}
