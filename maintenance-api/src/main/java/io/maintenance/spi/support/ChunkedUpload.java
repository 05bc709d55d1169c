package io.maintenance.spi.support;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The resumable-upload logic every provider shares: buffers one chunk at a time (memory is bounded
 * by chunk size × {@link #parallelism()}, whatever the object size), hands full chunks to the provider,
 * records each chunk's CRC32C and reports a checkpoint once a chunk and all before it are durable; on
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

  /** Guards the committed list, attributes and parallel bookkeeping; checkpoints fire under it, in order. */
  private final Object lock = new Object();
  /** Chunks sent but not yet known to be durable (parallel mode), by index. */
  private final TreeMap<Integer, Pending> inFlight = new TreeMap<>();
  private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
  private @Nullable Throwable failure;
  /** Chunk commits still executing (parallel mode). */
  private int running;
  private int nextIndex;

  private byte @Nullable [] buffer;
  private int buffered;
  private long seen;
  private @Nullable CRC32C verifying;
  private boolean completed;
  private boolean aborted;

  private static final class Pending {
    final byte[] data;
    final String digest;
    boolean done;

    Pending(byte[] data, String digest) {
      this.data = data;
      this.digest = digest;
    }
  }

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
      this.committed = new ArrayList<>(s.chunkCrc32c());
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
    synchronized (lock) {
      attributes.put(name, value);
    }
  }

  protected final Optional<String> attribute(String name) {
    synchronized (lock) {
      return Optional.ofNullable(attributes.get(name));
    }
  }

  /** Announces the current state, e.g. after construction-time provider calls (creating the multipart upload). */
  protected final void checkpoint() {
    synchronized (lock) {
      options.checkpoint().accept(state());
    }
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
    synchronized (lock) {
      return (long) chunkSize * committed.size();
    }
  }

  @Override
  public final UploadState state() {
    synchronized (lock) {
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
    awaitInFlight(0);
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
    // Let chunks in flight finish so that discarding does not race with their writes.
    synchronized (lock) {
      while (running > 0) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      inFlight.clear();
      spare.clear();
    }
    buffer = null;
    discard();
  }

  @Override
  public final void close() throws IOException {
    if (!completed) {
      abort();
    }
  }

  private void commitFull() throws IOException {
    byte[] full = Objects.requireNonNull(buffer, "buffer");
    int index = nextIndex++;
    long offset = (long) index * chunkSize;
    String digest = crc32c(full, 0, buffered);
    if (parallelism() <= 1) {
      commitChunk(index, offset, full, buffered, false);
      synchronized (lock) {
        committed.add(digest);
        checkpoint();
      }
      buffered = 0;
      return;
    }
    Pending p = new Pending(full, digest);
    synchronized (lock) {
      inFlight.put(index, p);
      running++;
    }
    Runnable commit = () -> {
      Throwable error = null;
      try {
        commitChunk(index, offset, p.data, p.data.length, false);
      } catch (Throwable t) {
        error = t;
      }
      synchronized (lock) {
        try {
          if (error != null) {
            inFlight.remove(index);
            fail(error);
          } else {
            p.done = true;
            advanceLocked();
          }
        } catch (Throwable t) {
          // The checkpoint could not be recorded (e.g. the catalog is down): the upload fails, and
          // whoever waits for this chunk is told so instead of waiting forever.
          fail(t);
        } finally {
          running--;
          lock.notifyAll();
        }
      }
    };
    try {
      executor().execute(commit);
    } catch (RuntimeException e) {
      synchronized (lock) {
        inFlight.remove(index);
        running--;
        lock.notifyAll();
      }
      throw new IOException("cannot hand a chunk of '" + key + "' to the writer: " + e, e);
    }
    buffer = null;
    buffered = 0;
    awaitInFlight(parallelism() - 1);
    buffer = takeBuffer();
  }

  private void fail(Throwable t) {
    if (failure == null) {
      failure = t;
    }
  }

  /** Records every done chunk that extends the committed prefix without a gap, then checkpoints once. */
  private void advanceLocked() {
    boolean advanced = false;
    while (!inFlight.isEmpty() && inFlight.firstKey() == committed.size() && inFlight.firstEntry().getValue().done) {
      Pending p = inFlight.pollFirstEntry().getValue();
      committed.add(p.digest);
      spare.push(p.data);
      advanced = true;
    }
    if (advanced) {
      options.checkpoint().accept(state());
    }
  }

  /** Waits until at most {@code maxPending} chunks are in flight; rethrows the first failure of a chunk. */
  private void awaitInFlight(int maxPending) throws IOException {
    synchronized (lock) {
      while (failure == null && inFlight.size() > maxPending) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while uploading '" + key + "'");
        }
      }
      if (failure != null) {
        Throwable f = failure;
        if (f instanceof IOException io) {
          throw io;
        }
        if (f instanceof RuntimeException re) {
          throw re;
        }
        if (f instanceof Error err) {
          throw err;
        }
        throw new IOException("uploading a chunk of '" + key + "' failed", f);
      }
    }
  }

  private byte[] takeBuffer() {
    synchronized (lock) {
      byte[] b = spare.poll();
      return b != null ? b : new byte[chunkSize];
    }
  }

  private int verifyReplayed(byte[] b, int off, int len) {
    if (verifying == null) {
      verifying = new CRC32C();
    }
    int chunkIndex = (int) (seen / chunkSize);
    long chunkEnd = (long) (chunkIndex + 1) * chunkSize;
    int n = (int) Math.min(len, chunkEnd - seen);
    verifying.update(b, off, n);
    seen += n;
    if (seen == chunkEnd) {
      String actual = hex(verifying);
      verifying.reset();
      if (!actual.equals(committed.get(chunkIndex))) {
        throw mismatch("the source differs from the committed upload in chunk " + chunkIndex
            + " (bytes " + (chunkEnd - chunkSize) + ".." + (chunkEnd - 1) + ")");
      }
    }
    return n;
  }

  private static String crc32c(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return hex(c);
  }

  private static String hex(CRC32C c) {
    return String.format("%08x", c.getValue());
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
