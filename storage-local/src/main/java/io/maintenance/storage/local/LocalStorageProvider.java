package io.maintenance.storage.local;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.support.BoundedInputStream;
import io.maintenance.spi.support.Probes;
import io.maintenance.spi.support.StorageKeys;
import io.maintenance.storage.local.internal.LocalUpload;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage in a local directory (or a mounted volume). Writes are crash-safe: chunks go to a temporary
 * file under {@code .uploads/} in the same file system, each chunk is fsynced before it counts as
 * committed, and completion is an fsync, an atomic rename and an fsync of the directory. A crash never
 * leaves a partial object under its key.
 *
 * <p>Build one with {@link #builder()}, or from configuration through {@link LocalStorageProviderFactory}
 * (name {@code local}).
 */
public final class LocalStorageProvider implements StorageProvider {
  public static final String NAME = "local";
  private static final Logger LOG = LoggerFactory.getLogger(LocalStorageProvider.class);
  /** Reserved folder for uploads in progress; keys may not start with it. */
  public static final String UPLOADS = ".uploads";

  private final Path root;
  private final int chunkSize;
  private final boolean fsync;
  private final ExecutorService writers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "local-storage-writer");
    t.setDaemon(true);
    return t;
  });

  private LocalStorageProvider(Path root, int chunkSize, boolean fsync) {
    try {
      Files.createDirectories(root);
      this.root = root.toRealPath();
      Files.createDirectories(this.root.resolve(UPLOADS));
    } catch (IOException e) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "storage local: cannot use directory " + root + ": " + e.getMessage(),
          Map.of("owner", "storage local", "key", "path"), e);
    }
    this.chunkSize = chunkSize;
    this.fsync = fsync;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The directory that holds the objects (its real path). */
  public Path root() {
    return root;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Upload startUpload(String key, UploadOptions options) throws IOException {
    Path target = path(key);
    if (linkOnPath(target.getParent())) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "storage key '" + key + "' goes through a symbolic link;"
          + " links inside the storage directory are never followed", Map.of("key", key));
    }
    Path temp = root.resolve(UPLOADS).resolve(UUID.randomUUID() + ".part");
    return LocalUpload.start(key, target, temp, root, chunkSize, fsync, writers, options);
  }

  @Override
  public Upload resumeUpload(UploadState state, UploadOptions options) throws IOException {
    return LocalUpload.resume(state, path(state.key()), tempOf(state), root, fsync, writers, options);
  }

  @Override
  public void abortUpload(UploadState state) throws IOException {
    keyPath(state.key());
    Files.deleteIfExists(tempOf(state));
  }

  @Override
  public InputStream openRead(ReadRequest request) throws IOException {
    Path p = keyPath(request.key());
    if (regular(p).isEmpty()) {
      throw new NoSuchFileException(request.key(), null, "no regular object (a symbolic link or special file is not followed)");
    }
    FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    try {
      if (request.version().isPresent()) {
        String current = version(Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        if (!current.equals(request.version().get())) {
          throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "object '" + request.key() + "' was replaced during the read",
              Map.of("key", request.key()));
        }
      }
      long size = ch.size();
      long from = Math.min(request.offset(), size);
      long length = request.length() < 0 ? size - from : Math.min(request.length(), size - from);
      ch.position(from);
      return new BoundedInputStream(Channels.newInputStream(ch), length);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String key) throws IOException {
    return regular(keyPath(key)).map(a -> info(key, a));
  }

  @Override
  public Stream<ObjectInfo> list(String prefix) throws IOException {
    StorageKeys.prefix(prefix);
    // Start at the deepest directory the prefix names, then filter by the rest.
    int slash = prefix.lastIndexOf('/');
    String dirKey = slash < 0 ? "" : prefix.substring(0, slash);
    Path dir = dirKey.isEmpty() ? root : root.resolve(dirKey);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || linkOnPath(dir)) {
      return Stream.empty();
    }
    return walk(dir, dirKey).filter(o -> o.key().startsWith(prefix));
  }

  @Override
  public boolean delete(String key) throws IOException {
    Path p = keyPath(key);
    if (regular(p).isEmpty()) {
      return false; // not an object: symbolic links and special files are left alone (and reported by the sweep)
    }
    boolean deleted = Files.deleteIfExists(p);
    if (deleted) {
      if (fsync) {
        LocalUpload.fsyncDirectory(p.getParent());
      }
      pruneEmptyParents(p.getParent());
    }
    return deleted;
  }

  @Override
  public List<String> irregularEntries(String prefix) throws IOException {
    StorageKeys.prefix(prefix);
    int slash = prefix.lastIndexOf('/');
    String dirKey = slash < 0 ? "" : prefix.substring(0, slash);
    Path dir = dirKey.isEmpty() ? root : root.resolve(dirKey);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || linkOnPath(dir)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    collectIrregular(dir, dirKey, prefix, out);
    return out;
  }

  private void collectIrregular(Path dir, String dirKey, String prefix, List<String> out) throws IOException {
    for (Path p : entries(dir, dirKey)) {
      String key = dirKey.isEmpty() ? p.getFileName().toString() : dirKey + "/" + p.getFileName();
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        continue;
      }
      if (a.isDirectory()) {
        if ((key + "/").startsWith(prefix) || prefix.startsWith(key + "/")) {
          collectIrregular(p, key, prefix, out);
        }
      } else if (!a.isRegularFile() && key.startsWith(prefix)) {
        out.add(key);
      }
    }
  }

  /**
   * Removes temporary files under {@code .uploads/} that no known upload state names and that were last
   * written before {@code staleBefore}: left by a process that died before its upload session was recorded.
   */
  @Override
  public List<String> sweepPartialUploads(Collection<UploadState> known, Instant staleBefore, boolean dryRun)
      throws IOException {
    Set<String> names = new HashSet<>();
    for (UploadState s : known) {
      String n = s.attributes().get(LocalUpload.TEMP_FILE);
      if (n != null) {
        names.add(n);
      }
    }
    List<String> out = new ArrayList<>();
    Path uploads = root.resolve(UPLOADS);
    List<Path> files;
    try (Stream<Path> list = Files.list(uploads)) {
      files = list.sorted().toList();
    } catch (NoSuchFileException e) {
      return out;
    }
    for (Path f : files) {
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        continue;
      }
      String name = f.getFileName().toString();
      if (!a.isRegularFile() || names.contains(name) || !a.lastModifiedTime().toInstant().isBefore(staleBefore)) {
        continue;
      }
      if (!dryRun) {
        Files.deleteIfExists(f);
      }
      out.add(UPLOADS + "/" + name + " (" + a.size() + " bytes, last written " + a.lastModifiedTime() + ")");
    }
    return out;
  }

  @Override
  public void close() {
    writers.shutdown();
  }

  @Override
  public ProbeResult probe() {
    return Probes.run("storage:" + NAME, Probes.STORAGE_UNWRITABLE, () -> {
      if (!Files.isDirectory(root)) {
        throw new Probes.ProbeFailure(Probes.STORAGE_UNREACHABLE, "directory " + root + " does not exist");
      }
      Path probe = root.resolve(UPLOADS).resolve("probe-" + UUID.randomUUID());
      try {
        Files.write(probe, new byte[] {1}, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
        Files.delete(probe);
      } catch (IOException e) {
        throw new Probes.ProbeFailure(Probes.STORAGE_UNWRITABLE, "cannot write in " + root + ": " + e.getMessage());
      }
      return Map.of("path", root.toString(), "freeBytes", Long.toString(Files.getFileStore(root).getUsableSpace()));
    });
  }

  /** Maps a validated key to a path under the root; refuses anything that would leave it. */
  private Path path(String key) {
    Path p = keyPath(key);
    if (!insideRoot(p)) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "storage key '" + key + "' leaves the storage directory",
          Map.of("key", key));
    }
    return p;
  }

  /** The path a key names, checked lexically (reads stop at links with {@link #regular}; writes check more in {@link #path}). */
  private Path keyPath(String key) {
    StorageKeys.validate(key);
    if (key.equals(UPLOADS) || key.startsWith(UPLOADS + "/")) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "storage key '" + key + "' uses the reserved folder " + UPLOADS,
          Map.of("key", key));
    }
    Path p = root.resolve(key).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "storage key '" + key + "' leaves the storage directory",
          Map.of("key", key));
    }
    return p;
  }

  /** The attributes of p if it is a regular file reached without any symbolic link below the root. */
  private Optional<BasicFileAttributes> regular(Path p) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return a.isRegularFile() && !linkOnPath(p.getParent()) ? Optional.of(a) : Optional.empty();
    } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
      return Optional.empty();
    }
  }

  /** Whether dir or any of its ancestors below the root is a symbolic link. */
  private boolean linkOnPath(Path dir) {
    for (Path q = dir; q != null && !q.equals(root) && q.startsWith(root); q = q.getParent()) {
      if (Files.isSymbolicLink(q)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the nearest existing ancestor of p, with symbolic links resolved, is still under the root. */
  private boolean insideRoot(Path p) {
    for (Path q = p; q != null; q = q.getParent()) {
      if (Files.exists(q, LinkOption.NOFOLLOW_LINKS)) {
        try {
          return q.toRealPath().startsWith(root);
        } catch (IOException e) {
          return false;
        }
      }
    }
    return false;
  }

  private Path tempOf(UploadState state) {
    String name = state.attributes().get(LocalUpload.TEMP_FILE);
    if (name == null || !name.matches("[0-9a-f-]{36}\\.part")) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "upload state of '" + state.key() + "' has no valid temp file");
    }
    return root.resolve(UPLOADS).resolve(name);
  }

  /**
   * Objects under dir in key order: a directory sorts as "name/", so the order equals plain key order.
   * Only real directories and regular files count: symbolic links and special files are never followed or
   * listed (see {@link #irregularEntries}).
   */
  private Stream<ObjectInfo> walk(Path dir, String dirKey) throws IOException {
    List<Path> entries = entries(dir, dirKey);
    return entries.stream().flatMap(p -> {
      String key = dirKey.isEmpty() ? p.getFileName().toString() : dirKey + "/" + p.getFileName();
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isDirectory()) {
          return walk(p, key);
        }
        if (!a.isRegularFile()) {
          LOG.warn("storage local: skipping {} under {}: not a regular file (symbolic links are never followed)", key, root);
          return Stream.empty();
        }
        return Stream.of(info(key, a));
      } catch (NoSuchFileException e) {
        return Stream.empty(); // deleted while listing
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** The entries of dir (without the reserved uploads folder at the root), sorted by key. */
  private List<Path> entries(Path dir, String dirKey) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !(dirKey.isEmpty() && p.getFileName().toString().equals(UPLOADS)))
          .sorted(Comparator.comparing(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? p.getFileName() + "/"
              : p.getFileName().toString()))
          .toList();
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  private void pruneEmptyParents(Path dir) {
    while (dir != null && !dir.equals(root) && dir.startsWith(root)) {
      try {
        Files.delete(dir);
      } catch (IOException e) {
        return; // not empty, already gone or not deletable: stop here
      }
      dir = dir.getParent();
    }
  }

  private static ObjectInfo info(String key, BasicFileAttributes a) {
    return new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant(), Optional.of(version(a)));
  }

  private static String version(BasicFileAttributes a) {
    return LocalUpload.versionOf(a);
  }

  /** Options of a {@link LocalStorageProvider}; {@link #path} is required. */
  public static final class Builder {
    /** The default chunk size: 8 MiB. */
    public static final int DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

    private Path path;
    private long chunkSize = DEFAULT_CHUNK_SIZE;
    private boolean fsync = true;

    private Builder() {}

    /** The directory that holds the objects; created if missing. Required. */
    public Builder path(Path path) {
      this.path = path;
      return this;
    }

    /** Bytes per durable chunk, the resume granularity (1 byte to 2 GiB); default 8 MiB. */
    public Builder chunkSize(long bytes) {
      this.chunkSize = bytes;
      return this;
    }

    /** Whether to fsync chunks, files and directories; default true (only turn off for throwaway data). */
    public Builder fsync(boolean fsync) {
      this.fsync = fsync;
      return this;
    }

    public LocalStorageProvider build() {
      if (path == null) {
        throw invalid("path", "is required");
      }
      if (chunkSize <= 0 || chunkSize > Integer.MAX_VALUE) {
        throw invalid("chunk-size", "must be between 1 byte and 2GiB, was " + chunkSize);
      }
      return new LocalStorageProvider(path, (int) chunkSize, fsync);
    }

    private static MaintenanceException invalid(String key, String problem) {
      return new MaintenanceException(ErrorCode.CONFIG_INVALID, "storage local: '" + key + "' " + problem,
          Map.of("owner", "storage local", "key", key));
    }
  }
}
