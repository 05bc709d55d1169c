package io.maintenance.spi.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ArtifactOptions;
import io.maintenance.spi.ArtifactSink;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.support.Digests;
import io.maintenance.spi.support.StorageKeys;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An {@link ArtifactSink} that streams each artifact through an {@link ArtifactCodec} (compression,
 * encryption) into a {@link StorageProvider} upload under {@code <folder>/<name>}, computing size and
 * SHA-256 of the stored bytes on the way. Used by the engine and by the TCK.
 */
public final class StorageArtifactSink implements ArtifactSink {
  private static final int BUFFER = 64 * 1024;

  private final StorageProvider storage;
  private final String folder;
  private final UploadTracker tracker;
  private final Optional<String> parentBackupId;
  private final ArtifactCodec codec;
  private final List<ArtifactInfo> completed = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> names = Collections.synchronizedSet(new HashSet<>());
  private final Set<ArtifactStream> open = Collections.synchronizedSet(new HashSet<>());
  private final java.util.concurrent.atomic.AtomicReference<MaintenanceException> firstFailure =
      new java.util.concurrent.atomic.AtomicReference<>();

  /**
   * @param folder the datastore's folder of the backup set
   * @param parentBackupId the parent backup, for {@link #reuse}
   */
  public StorageArtifactSink(StorageProvider storage, String folder, UploadTracker tracker, Optional<String> parentBackupId) {
    this(storage, folder, tracker, parentBackupId, ArtifactCodec.plain());
  }

  /** @param codec compresses and encrypts each artifact on its way to storage */
  public StorageArtifactSink(StorageProvider storage, String folder, UploadTracker tracker, Optional<String> parentBackupId,
      ArtifactCodec codec) {
    this.storage = storage;
    this.folder = StorageKeys.validate(folder);
    this.tracker = tracker;
    this.parentBackupId = parentBackupId;
    this.codec = codec;
  }

  @Override
  public OutputStream create(String name, String contentType, ArtifactOptions options) throws IOException {
    StorageKeys.segment(name);
    if (!names.add(name)) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "artifact '" + name + "' was already written",
          Map.of("artifact", name));
    }
    String key = StorageKeys.join(folder, name);
    Upload upload;
    try {
      upload = storage.startUpload(key, new UploadOptions(contentType, tracker::checkpoint));
    } catch (IOException e) {
      throw storageFailure("cannot start writing artifact '" + name + "'", e);
    }
    try {
      tracker.started(upload.state());
    } catch (RuntimeException e) {
      // Not recorded, so nobody could abort it later: abort it now.
      MaintenanceException failure = storageFailure("cannot record the upload of artifact '" + name + "'", e);
      try {
        upload.abort();
      } catch (IOException | RuntimeException suppressed) {
        failure.addSuppressed(suppressed);
      }
      throw failure;
    }
    ArtifactStream stream = new ArtifactStream(name, contentType, upload);
    open.add(stream);
    try {
      ArtifactCodec.Encoder encoder = codec.encode(name, options, new BufferedOutputStream(stream, BUFFER));
      stream.compression = encoder.compression();
      stream.dataKey = encoder.dataKey();
      OutputStream plain = encoder.plain();
      if (encoder.compression() == Compression.NONE && encoder.dataKey().isEmpty()) {
        stream.contentIsStored = true;
      } else if (options.precompressed()) {
        plain = new ContentDigest(plain, stream);
      }
      stream.outer = new ClosedOnce(plain);
      return stream.outer;
    } catch (IOException | RuntimeException e) {
      stream.abort();
      throw storageFailure("cannot start writing artifact '" + name + "'", e);
    }
  }

  @Override
  public void reuse(ArtifactInfo parentArtifact) {
    String holder = parentArtifact.heldBy().or(() -> parentBackupId).orElseThrow(() ->
        new MaintenanceException(ErrorCode.INVALID_REQUEST, "reuse needs a parent backup (incremental backups only)"));
    if (!names.add(parentArtifact.name())) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "artifact '" + parentArtifact.name() + "' was already written");
    }
    completed.add(parentArtifact.heldBy(holder));
  }

  @Override
  public List<ArtifactInfo> completed() {
    synchronized (completed) {
      return List.copyOf(completed);
    }
  }

  /** Names of artifacts created but neither completed nor failed. */
  public List<String> openArtifacts() {
    synchronized (open) {
      return open.stream().filter(a -> !a.done).map(a -> a.name).sorted().toList();
    }
  }

  /**
   * The first storage failure any artifact stream hit, as it was thrown to the datastore. A datastore may
   * throw something else afterwards (a cancelled statement, a closed pipe); the first cause is this one.
   */
  public Optional<MaintenanceException> firstFailure() {
    return Optional.ofNullable(firstFailure.get());
  }

  /**
   * Aborts every artifact still open (after a failed backup), so no half-written object stays behind,
   * and frees the codec of every artifact that failed: the datastore's stream cannot be closed from inside
   * its own failing write, so that happens here, once the datastore has returned.
   */
  public void abortOpen() {
    List<ArtifactStream> streams;
    synchronized (open) {
      streams = new ArrayList<>(open);
    }
    for (ArtifactStream s : streams) {
      s.abort();
    }
  }

  /** The datastore's end of an artifact: closing it twice (the datastore, then {@link #abortOpen}) closes the codec once. */
  private static final class ClosedOnce extends java.io.FilterOutputStream {
    private boolean closed;

    ClosedOnce(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public synchronized void close() throws IOException {
      if (!closed) {
        closed = true;
        out.close();
      }
    }
  }

  private MaintenanceException storageFailure(String message, Exception e) {
    MaintenanceException failure = e instanceof MaintenanceException me ? me
        : new MaintenanceException(ErrorCode.STORAGE_FAILURE, message + ": " + e.getMessage(), e);
    firstFailure.compareAndSet(null, failure);
    return failure;
  }

  /** An unreachable storage would make an abort wait out its deadline again; the sweep aborts it from its session. */
  private static boolean unreachable(Exception e) {
    return e instanceof MaintenanceException me && me.code() == ErrorCode.DEPENDENCY_UNAVAILABLE;
  }

  /** Hashes the bytes as the datastore writes them (for precompressed artifacts that the codec still changes). */
  private static final class ContentDigest extends java.io.FilterOutputStream {
    private final MessageDigest digest = Digests.sha256();
    private final ArtifactStream target;

    ContentDigest(OutputStream out, ArtifactStream target) {
      super(out);
      this.target = target;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      digest.update((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      digest.update(b, off, len);
    }

    @Override
    public void close() throws IOException {
      if (target.contentSha256.isEmpty() && !target.done) {
        target.contentSha256 = Optional.of(Digests.hex(digest.digest()));
      }
      out.close();
    }
  }

  /** Counts and hashes stored bytes on their way into the upload; close() completes it. */
  private final class ArtifactStream extends OutputStream {
    private final String name;
    private final String contentType;
    private final Upload upload;
    private final MessageDigest digest = Digests.sha256();
    private Compression compression = Compression.NONE;
    private Optional<String> dataKey = Optional.empty();
    private boolean contentIsStored;
    private Optional<String> contentSha256 = Optional.empty();
    /** The stream the datastore writes to, closed (into nothing) when the artifact is aborted to free the codec. */
    private @Nullable OutputStream outer;
    private long size;
    private boolean done;
    private boolean discard;

    ArtifactStream(String name, String contentType, Upload upload) {
      this.name = name;
      this.contentType = contentType;
      this.upload = upload;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (discard) {
        return;
      }
      if (done) {
        throw new IOException("artifact '" + name + "' is already closed");
      }
      try {
        upload.write(b, off, len);
      } catch (IOException | RuntimeException e) {
        MaintenanceException failure = storageFailure("writing artifact '" + name + "' failed", e);
        fail(!unreachable(e));
        throw failure;
      }
      digest.update(b, off, len);
      size += len;
    }

    @Override
    public void close() throws IOException {
      if (done) {
        return;
      }
      try {
        upload.complete();
      } catch (IOException | RuntimeException e) {
        MaintenanceException failure = storageFailure("completing artifact '" + name + "' failed", e);
        fail(!unreachable(e));
        throw failure;
      }
      done = true;
      open.remove(this);
      tracker.finished(upload.state(), true);
      String sha256 = Digests.hex(digest.digest());
      completed.add(new ArtifactInfo(name, size, sha256, contentType, compression, Optional.empty(), dataKey,
          contentIsStored ? Optional.of(sha256) : contentSha256));
    }

    /**
     * A write into storage failed (called from inside the codec's own write): drop the upload (unless the
     * storage is unreachable; then the sweep aborts it from its session) and ignore what follows. The codec
     * is freed later, by the datastore closing its stream or by {@link #abortOpen}.
     */
    void fail(boolean abortUpload) {
      if (done) {
        return;
      }
      done = true;
      discard = true;
      if (abortUpload) {
        abortUpload();
      }
    }

    /** Gives the artifact up (the backup failed): the upload is aborted and the codec freed. */
    void abort() {
      if (!done) {
        done = true;
        discard = true;
        abortUpload();
      }
      open.remove(this);
      if (outer != null) {
        try {
          outer.close(); // frees native codec state; what it flushes is discarded
        } catch (IOException | RuntimeException e) {
          // nothing more to free
        }
      }
    }

    private void abortUpload() {
      try {
        upload.abort();
        tracker.finished(upload.state(), false);
      } catch (IOException | RuntimeException e) {
        // The session row stays; the orphan sweep aborts it later.
      }
    }
  }
}
