package io.maintenance.core.internal.operations;

import io.maintenance.api.ProbeResult;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.support.PassThroughInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * The storage as one operation's artifact streams see it: every byte written to an upload or read from an
 * object is counted for the operation's progress. Everything else is passed through unchanged.
 */
public final class CountingStorage implements StorageProvider {
  private final StorageProvider storage;
  private final LongConsumer counter;

  public CountingStorage(StorageProvider storage, LongConsumer counter) {
    this.storage = storage;
    this.counter = counter;
  }

  @Override
  public String name() {
    return storage.name();
  }

  @Override
  public Upload startUpload(String key, UploadOptions options) throws IOException {
    return new CountingUpload(storage.startUpload(key, options));
  }

  @Override
  public Upload resumeUpload(UploadState state, UploadOptions options) throws IOException {
    return new CountingUpload(storage.resumeUpload(state, options));
  }

  @Override
  public void abortUpload(UploadState state) throws IOException {
    storage.abortUpload(state);
  }

  @Override
  public InputStream openRead(ReadRequest request) throws IOException {
    return new PassThroughInputStream(storage.openRead(request)) {
      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        if (n > 0) {
          counter.accept(n);
        }
        return n;
      }
    };
  }

  @Override
  public Optional<ObjectInfo> stat(String key) throws IOException {
    return storage.stat(key);
  }

  @Override
  public Stream<ObjectInfo> list(String prefix) throws IOException {
    return storage.list(prefix);
  }

  @Override
  public boolean delete(String key) throws IOException {
    return storage.delete(key);
  }

  @Override
  public ProbeResult probe() {
    return storage.probe();
  }

  @Override
  public List<String> irregularEntries(String prefix) throws IOException {
    return storage.irregularEntries(prefix);
  }

  @Override
  public List<String> sweepPartialUploads(Collection<UploadState> known, Instant staleBefore, boolean dryRun) throws IOException {
    return storage.sweepPartialUploads(known, staleBefore, dryRun);
  }

  @Override
  public Optional<URI> presignGet(String key, Duration ttl) throws IOException {
    return storage.presignGet(key, ttl);
  }

  /** Not closed here: the engine's storage outlives every operation. */
  @Override
  public void close() {}

  private final class CountingUpload implements Upload {
    private final Upload upload;

    CountingUpload(Upload upload) {
      this.upload = upload;
    }

    @Override
    public String key() {
      return upload.key();
    }

    @Override
    public long committedBytes() {
      return upload.committedBytes();
    }

    @Override
    public UploadState state() {
      return upload.state();
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
      upload.write(buffer, offset, length);
      counter.accept(length);
    }

    @Override
    public ObjectInfo complete() throws IOException {
      return upload.complete();
    }

    @Override
    public void abort() throws IOException {
      upload.abort();
    }

    @Override
    public void close() throws IOException {
      upload.close();
    }
  }
}
