package io.maintenance.spi.support;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;

/**
 * The resumable-upload logic every provider shares: buffers one chunk at a time (memory is bounded
 * by chunk size × {@link #parallelism()}, whatever the object size), hands full chunks to the provider,
 * records each chunk's SHA-256 and reports a checkpoint once a chunk and all before it are durable; on
 * resume, checks the replayed source against the recorded digests and sends only what follows the
 * committed offset.
 *
 * <p>A provider implements three steps: {@link #commitChunk} (make one chunk durable),
 * {@link #finish} (make the object visible) and {@link #discard} (drop everything). Providers whose
 * protocol accepts chunks out of order (S3 multipart) may return more than 1 from
 * {@link #parallelism()} and an executor from {@link #executor()}; {@code commitChunk} is then called
 * from several threads at once, but the last chunk is only committed after all others.
 */
public abstract class ChunkedUpload implements Upload {
  private final String provider;
  private final String key;
  private final String sessionId;
  private final int chunkSize;
  private final UploadOptions options;
  private final List<String> committed;
  private final Map<String, String> attributes;
  private final long resumeOffset;

  /** Chunks sent but not yet known to be durable (parallel mode), by index. */
  private final TreeMap<Integer, Pending> inFlight = new TreeMap<>();
  private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
  private int nextIndex;

  private byte[] buffer;
  private int buffered;
  private long seen;
  private MessageDigest verifying;
  private boolean completed;
  private boolean aborted;

  private record Pending(FutureTask<Void> task, byte[] data, String digest) {}

  /**
   * @param resumeFrom the state of an interrupted upload of the same key, or empty for a new one
   */
  protected ChunkedUpload(
      String provider, String key, int chunkSize, UploadOptions options, Optional<UploadState> resumeFrom) {
    this.provider = provider;
    this.key = StorageKeys.validate(key);
    this.options = options;
    if (resumeFrom.isPresent()) {
      UploadState s = resumeFrom.get();
      if (!s.key().equals(key) || !s.provider().equals(provider)) {
        throw new MaintenanceException(ErrorCode.INVALID_REQUEST,
            "upload state is for " + s.provider() + ":" + s.key() + ", not " + provider + ":" + key);
      }
      if (s.chunkSize() > Integer.MAX_VALUE) {
        throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "chunk size too large: " + s.chunkSize());
      }
      this.sessionId = s.sessionId();
      this.chunkSize = (int) s.chunkSize();
      this.committed = new ArrayList<>(s.chunkSha256());
      this.attributes = new LinkedHashMap<>(s.attributes());
    } else {
      if (chunkSize <= 0) {
        throw new IllegalArgumentException("chunkSize must be positive");
      }
      this.sessionId = UUID.randomUUID().toString();
      this.chunkSize = chunkSize;
      this.committed = new ArrayList<>();
      this.attributes = new LinkedHashMap<>();
    }
    this.resumeOffset = (long) this.chunkSize * committed.size();
    this.nextIndex = committed.size();
  }

  /**
   * Makes one chunk durable on the provider's side. {@code index} 0 is the first chunk. Every chunk
   * but the last has exactly the chunk size; the last has 1..chunkSize bytes, or 0 if the whole object
   * is empty. The data array is only valid during the call.
   *
   * @param offset the byte offset of the chunk in the object
   * @param last whether this is the final chunk ({@link #finish} follows)
   */
  protected abstract void commitChunk(int index, long offset, byte[] data, int length, boolean last) throws IOException;

  /** Makes the object visible under its key after the last chunk was committed. */
  protected abstract ObjectInfo finish(long totalBytes) throws IOException;

  /** Drops everything the provider holds for this upload. Must tolerate being called for a state from another process. */
  protected abstract void discard() throws IOException;

  /** How many chunks may be in flight at once (and buffered in memory). 1 means strictly sequential. */
  protected int parallelism() {
    return 1;
  }

  /** Runs parallel chunk commits; only used when {@link #parallelism()} is above 1. */
  protected Executor executor() {
    return Runnable::run;
  }

  /** Provider state that must survive a crash (upload id, part ETags, session URI, ...). Thread-safe. */
  protected final void attribute(String name, String value) {
    synchronized (attributes) {
      attributes.put(name, value);
    }
  }

  protected final Optional<String> attribute(String name) {
    synchronized (attributes) {
      return Optional.ofNullable(attributes.get(name));
    }
  }

  /** Announces the current state, e.g. after construction-time provider calls (creating the multipart upload). */
  protected final void checkpoint() {
    options.checkpoint().accept(state());
  }

  protected final String contentType() {
    return options.contentType();
  }

  protected final int chunkSize() {
    return chunkSize;
  }

  public final String sessionId() {
    return sessionId;
  }

  @Override
  public final String key() {
    return key;
  }

  @Override
  public final long committedBytes() {
    return (long) chunkSize * committed.size();
  }

  @Override
  public final UploadState state() {
    synchronized (attributes) {
      return new UploadState(sessionId, provider, key, chunkSize, committed, attributes);
    }
  }

  @Override
  public final void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    while (len > 0) {
      if (seen < resumeOffset) {
        int n = verifyReplayed(b, off, len);
        off += n;
        len -= n;
        continue;
      }
      if (buffer == null) {
        buffer = takeBuffer();
      }
      if (buffered == chunkSize) {
        // More data follows a full chunk, so it is not the last one.
        commitFull();
      }
      int n = Math.min(len, chunkSize - buffered);
      System.arraycopy(b, off, buffer, buffered, n);
      buffered += n;
      seen += n;
      off += n;
      len -= n;
    }
  }

  @Override
  public final ObjectInfo complete() throws IOException {
    ensureOpen();
    if (seen < resumeOffset) {
      throw mismatch("the source ended at byte " + seen + " but " + resumeOffset + " bytes were already committed");
    }
    drainInFlight(0);
    if (buffer == null) {
      buffer = new byte[0];
    }
    commitChunk(nextIndex, (long) nextIndex * chunkSize, buffer, buffered, true);
    ObjectInfo info = finish(seen);
    completed = true;
    buffer = null;
    spare.clear();
    return info;
  }

  @Override
  public final void abort() throws IOException {
    if (completed || aborted) {
      return;
    }
    aborted = true;
    for (Pending p : inFlight.values()) {
      p.task().cancel(false);
      try {
        p.task().get();
      } catch (ExecutionException | CancellationException e) {
        // being aborted anyway
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    inFlight.clear();
    buffer = null;
    spare.clear();
    discard();
  }

  @Override
  public final void close() throws IOException {
    if (!completed) {
      abort();
    }
  }

  private void commitFull() throws IOException {
    int index = nextIndex++;
    long offset = (long) index * chunkSize;
    String digest = Digests.sha256Hex(buffer, 0, buffered);
    if (parallelism() <= 1) {
      commitChunk(index, offset, buffer, buffered, false);
      committed.add(digest);
      buffered = 0;
      checkpoint();
      return;
    }
    byte[] data = buffer;
    FutureTask<Void> task = new FutureTask<>(() -> {
      commitChunk(index, offset, data, data.length, false);
      return null;
    });
    inFlight.put(index, new Pending(task, data, digest));
    executor().execute(task);
    buffer = null;
    buffered = 0;
    drainInFlight(parallelism() - 1);
    buffer = takeBuffer();
  }

  /** Waits until at most {@code maxPending} chunks are in flight, recording durable ones in order. */
  private void drainInFlight(int maxPending) throws IOException {
    while (true) {
      // Record every chunk that is done and follows the committed prefix without a gap.
      boolean advanced = false;
      while (!inFlight.isEmpty() && inFlight.firstKey() == committed.size() && inFlight.firstEntry().getValue().task().isDone()) {
        Pending p = inFlight.pollFirstEntry().getValue();
        await(p);
        committed.add(p.digest());
        spare.push(p.data());
        advanced = true;
      }
      if (advanced) {
        checkpoint();
      }
      if (inFlight.size() <= maxPending) {
        return;
      }
      await(inFlight.firstEntry().getValue());
    }
  }

  private void await(Pending p) throws IOException {
    try {
      p.task().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while uploading '" + key + "'");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException("uploading a chunk of '" + key + "' failed", cause);
    }
  }

  private byte[] takeBuffer() {
    byte[] b = spare.poll();
    return b != null ? b : new byte[chunkSize];
  }

  private int verifyReplayed(byte[] b, int off, int len) {
    if (verifying == null) {
      verifying = Digests.sha256();
    }
    int chunkIndex = (int) (seen / chunkSize);
    long chunkEnd = (long) (chunkIndex + 1) * chunkSize;
    int n = (int) Math.min(len, chunkEnd - seen);
    verifying.update(b, off, n);
    seen += n;
    if (seen == chunkEnd) {
      String actual = Digests.hex(verifying.digest());
      if (!actual.equals(committed.get(chunkIndex))) {
        throw mismatch("the source differs from the committed upload in chunk " + chunkIndex
            + " (bytes " + (chunkEnd - chunkSize) + ".." + (chunkEnd - 1) + ")");
      }
    }
    return n;
  }

  private MaintenanceException mismatch(String why) {
    return new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "cannot resume upload of '" + key + "': " + why,
        Map.of("key", key, "sessionId", sessionId));
  }

  private void ensureOpen() {
    if (completed || aborted) {
      throw new IllegalStateException("upload of '" + key + "' is already " + (completed ? "completed" : "aborted"));
    }
  }
}
