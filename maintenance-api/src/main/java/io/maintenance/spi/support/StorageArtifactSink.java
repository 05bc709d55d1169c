package io.maintenance.spi.support;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ArtifactOptions;
import io.maintenance.spi.ArtifactSink;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
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
    tracker.started(upload.state());
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
      stream.outer = plain;
      return plain;
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

  /** Names of artifacts created but not closed yet. */
  public List<String> openArtifacts() {
    synchronized (open) {
      return open.stream().map(a -> a.name).sorted().toList();
    }
  }

  /** Aborts every artifact still open (after a failed backup), so no half-written object stays behind. */
  public void abortOpen() {
    List<ArtifactStream> streams;
    synchronized (open) {
      streams = new ArrayList<>(open);
    }
    for (ArtifactStream s : streams) {
      s.abort();
    }
  }

  private static MaintenanceException storageFailure(String message, Exception e) {
    if (e instanceof MaintenanceException me) {
      return me;
    }
    return new MaintenanceException(ErrorCode.STORAGE_FAILURE, message + ": " + e.getMessage(), e);
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
    private OutputStream outer;
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
        abort();
        throw storageFailure("writing artifact '" + name + "' failed", e);
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
        abort();
        throw storageFailure("completing artifact '" + name + "' failed", e);
      }
      done = true;
      open.remove(this);
      tracker.finished(upload.state(), true);
      String sha256 = Digests.hex(digest.digest());
      completed.add(new ArtifactInfo(name, size, sha256, contentType, compression, Optional.empty(), dataKey,
          contentIsStored ? Optional.of(sha256) : contentSha256));
    }

    void abort() {
      if (done) {
        return;
      }
      done = true;
      open.remove(this);
      try {
        upload.abort();
        tracker.finished(upload.state(), false);
      } catch (IOException | RuntimeException e) {
        // The session row stays; the orphan sweep aborts it later.
      }
      discard = true;
      if (outer != null) {
        try {
          outer.close(); // frees native codec state; what it flushes is discarded
        } catch (IOException | RuntimeException e) {
          // nothing more to free
        }
      }
    }
  }
}
