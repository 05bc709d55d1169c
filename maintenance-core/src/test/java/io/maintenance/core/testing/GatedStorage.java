package io.maintenance.core.testing;

import io.maintenance.api.ProbeResult;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A storage provider that passes everything to another one, but can hold the next delete until the test
 * lets it go (a point inside retention, a delete or the sweep at which to inject a fault), and can fail
 * writes or reads of chosen keys the way an unreachable or refusing storage does.
 */
public final class GatedStorage implements StorageProvider {
  private final StorageProvider delegate;
  private volatile CountDownLatch reached;
  private volatile CountDownLatch release;
  private volatile String failingWrites;
  private volatile String failingReads;
  private volatile RuntimeException failure;

  public GatedStorage(StorageProvider delegate) {
    this.delegate = delegate;
  }

  /** The next delete signals {@code reached} and waits (at most a minute) for {@code release}. */
  public void holdNextDelete(CountDownLatch reached, CountDownLatch release) {
    this.release = release;
    this.reached = reached;
  }

  /** Uploads of keys containing {@code keyPart} fail with {@code e}: at the start, or after their first write for artifacts. */
  public void failWrites(String keyPart, RuntimeException e) {
    this.failure = e;
    this.failingWrites = keyPart;
  }

  /** Reads and stats of keys containing {@code keyPart} fail with the failure given to {@link #failWrites} or this one. */
  public void failReads(String keyPart, RuntimeException e) {
    this.failure = e;
    this.failingReads = keyPart;
  }

  public void heal() {
    failingWrites = null;
    failingReads = null;
  }

  private void check(String pattern, String key) {
    if (pattern != null && key.contains(pattern)) {
      throw failure;
    }
  }

  @Override
  public boolean delete(String key) throws IOException {
    CountDownLatch r = reached;
    if (r != null) {
      reached = null;
      r.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return delegate.delete(key);
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public Upload startUpload(String key, UploadOptions options) throws IOException {
    if (key.endsWith("owner.json")) {
      check(failingWrites, key);
    }
    Upload u = delegate.startUpload(key, options);
    return new Upload() {
      @Override
      public String key() {
        return u.key();
      }

      @Override
      public long committedBytes() {
        return u.committedBytes();
      }

      @Override
      public UploadState state() {
        return u.state();
      }

      @Override
      public void write(byte[] buffer, int offset, int length) throws IOException {
        check(failingWrites, key);
        u.write(buffer, offset, length);
      }

      @Override
      public ObjectInfo complete() throws IOException {
        check(failingWrites, key);
        return u.complete();
      }

      @Override
      public void abort() throws IOException {
        u.abort();
      }

      @Override
      public void close() throws IOException {
        u.close();
      }
    };
  }

  @Override
  public Upload resumeUpload(UploadState state, UploadOptions options) throws IOException {
    return delegate.resumeUpload(state, options);
  }

  @Override
  public void abortUpload(UploadState state) throws IOException {
    delegate.abortUpload(state);
  }

  @Override
  public InputStream openRead(ReadRequest request) throws IOException {
    check(failingReads, request.key());
    return delegate.openRead(request);
  }

  @Override
  public Optional<ObjectInfo> stat(String key) throws IOException {
    check(failingReads, key);
    return delegate.stat(key);
  }

  @Override
  public Stream<ObjectInfo> list(String prefix) throws IOException {
    return delegate.list(prefix);
  }

  @Override
  public List<String> sweepPartialUploads(Collection<UploadState> known, Instant staleBefore, boolean dryRun) throws IOException {
    return delegate.sweepPartialUploads(known, staleBefore, dryRun);
  }

  @Override
  public List<String> irregularEntries(String prefix) throws IOException {
    return delegate.irregularEntries(prefix);
  }

  @Override
  public ProbeResult probe() {
    return delegate.probe();
  }
}
