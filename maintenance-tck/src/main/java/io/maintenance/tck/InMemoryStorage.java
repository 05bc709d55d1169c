package io.maintenance.tck;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.support.ChunkedUpload;
import io.maintenance.spi.support.StorageKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A {@link StorageProvider} that keeps objects in memory, for tests of datastore plugins and of
 * engines. Several instances may share one {@link Backing} to play "another process".
 * Not for production: it holds whole objects in memory by design.
 */
public final class InMemoryStorage implements StorageProvider {

  /** The shared state: committed objects and in-progress upload sessions. */
  public static final class Backing {
    final ConcurrentSkipListMap<String, Stored> objects = new ConcurrentSkipListMap<>();
    final Map<String, ByteArrayOutputStream> sessions = new ConcurrentHashMap<>();
    final AtomicLong versions = new AtomicLong();

    /** The stored bytes of an object (for tests that tamper with artifacts). */
    public Optional<byte[]> bytes(String key) {
      Stored s = objects.get(key);
      return s == null ? Optional.empty() : Optional.of(s.data.clone());
    }

    /** Replaces an object's bytes behind the engine's back, as an attacker or a broken disk would. */
    public void tamper(String key, byte[] data) {
      objects.put(key, new Stored(data.clone(), Instant.now(), versions.incrementAndGet()));
    }

    /** Keys of all committed objects, in order. */
    public java.util.List<String> keys() {
      return java.util.List.copyOf(objects.keySet());
    }

    public int openSessions() {
      return sessions.size();
    }
  }

  record Stored(byte[] data, Instant modified, long version) {}

  private final Backing backing;
  private final int chunkSize;

  public InMemoryStorage() {
    this(new Backing(), 256 * 1024);
  }

  public InMemoryStorage(Backing backing, int chunkSize) {
    this.backing = backing;
    this.chunkSize = chunkSize;
  }

  public Backing backing() {
    return backing;
  }

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public Upload startUpload(String key, UploadOptions options) {
    StorageKeys.validate(key);
    return new MemoryUpload(key, options, Optional.empty());
  }

  @Override
  public Upload resumeUpload(UploadState state, UploadOptions options) throws IOException {
    StorageKeys.validate(state.key());
    if (!backing.sessions.containsKey(state.sessionId())) {
      throw new IOException("upload session " + state.sessionId() + " is gone");
    }
    return new MemoryUpload(state.key(), options, Optional.of(state));
  }

  @Override
  public void abortUpload(UploadState state) {
    backing.sessions.remove(state.sessionId());
  }

  @Override
  public InputStream openRead(ReadRequest request) throws IOException {
    Stored s = backing.objects.get(StorageKeys.validate(request.key()));
    if (s == null) {
      throw new NoSuchFileException(request.key());
    }
    if (request.version().isPresent() && !request.version().get().equals(Long.toString(s.version))) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "object '" + request.key() + "' changed during the read");
    }
    int from = (int) Math.min(request.offset(), s.data.length);
    int to = request.length() < 0 ? s.data.length : (int) Math.min(s.data.length, from + request.length());
    return new ByteArrayInputStream(Arrays.copyOfRange(s.data, from, to));
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    Stored s = backing.objects.get(StorageKeys.validate(key));
    return s == null ? Optional.empty() : Optional.of(info(key, s));
  }

  @Override
  public Stream<ObjectInfo> list(String prefix) {
    StorageKeys.prefix(prefix);
    return backing.objects.tailMap(prefix).entrySet().stream()
        .takeWhile(e -> e.getKey().startsWith(prefix))
        .map(e -> info(e.getKey(), e.getValue()));
  }

  @Override
  public boolean delete(String key) {
    return backing.objects.remove(StorageKeys.validate(key)) != null;
  }

  @Override
  public ProbeResult probe() {
    return ProbeResult.up("storage:memory", Duration.ZERO, Map.of("objects", Integer.toString(backing.objects.size())));
  }

  private static ObjectInfo info(String key, Stored s) {
    return new ObjectInfo(key, s.data.length, s.modified, Optional.of(Long.toString(s.version)));
  }

  private final class MemoryUpload extends ChunkedUpload {
    MemoryUpload(String key, UploadOptions options, Optional<UploadState> resume) {
      super("memory", key, chunkSize, options, resume);
      backing.sessions.computeIfAbsent(sessionId(), id -> new ByteArrayOutputStream());
      // A resumed session keeps only what was committed.
      ByteArrayOutputStream buf = backing.sessions.get(sessionId());
      synchronized (buf) {
        if (buf.size() > committedBytes()) {
          byte[] keep = Arrays.copyOf(buf.toByteArray(), (int) committedBytes());
          buf.reset();
          buf.write(keep, 0, keep.length);
        }
      }
      checkpoint();
    }

    @Override
    protected void commitChunk(int index, long offset, byte[] data, int length, boolean last) throws IOException {
      ByteArrayOutputStream buf = backing.sessions.get(sessionId());
      if (buf == null) {
        throw new IOException("upload session was aborted");
      }
      synchronized (buf) {
        if (buf.size() != offset) {
          throw new IOException("chunk " + index + " at offset " + offset + " but session has " + buf.size() + " bytes");
        }
        buf.write(data, 0, length);
      }
    }

    @Override
    protected ObjectInfo finish(long totalBytes) throws IOException {
      ByteArrayOutputStream buf = backing.sessions.remove(sessionId());
      if (buf == null) {
        throw new IOException("upload session was aborted");
      }
      Stored s = new Stored(buf.toByteArray(), Instant.now(), backing.versions.incrementAndGet());
      backing.objects.put(key(), s);
      return info(key(), s);
    }

    @Override
    protected void discard() {
      backing.sessions.remove(sessionId());
    }
  }
}
