package io.maintenance.storage.s3.internal;

import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.support.AbortOnEarlyCloseInputStream;
import io.maintenance.spi.support.ResumingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Streams an object, or a range of it, with ranged GETs pinned to one ETag ({@code If-Match}): when a
 * connection breaks, the read continues from the offset reached, and if the object was replaced in between
 * the server answers 412, which fails the read with {@code INTEGRITY_MISMATCH} instead of mixing versions.
 */
public final class ObjectReader {
  private final S3Bucket bucket;
  private final int maxAttempts;
  private final Duration backoff;

  /**
   * @param maxAttempts consecutive failed reads (without progress) before a download gives up
   * @param backoff pause after the first failure; it grows linearly with each further one
   */
  public ObjectReader(S3Bucket bucket, int maxAttempts, Duration backoff) {
    this.bucket = bucket;
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
  }

  public InputStream open(ReadRequest request) throws IOException {
    String key = request.key();
    bucket.keys().objectKey(key); // validates before anything is sent
    if (request.length() == 0) {
      if (bucket.head(key, request.version()).isEmpty()) {
        throw new NoSuchFileException(key);
      }
      return InputStream.nullInputStream();
    }
    long end = request.length() < 0 ? -1 : request.offset() + request.length();
    Pin pin = new Pin(request.version());
    // The first GET happens now, so a missing object fails here rather than on the first read.
    InputStream first = get(key, request.offset(), end, pin);
    return new ResumingInputStream(new ResumingInputStream.Opener() {
      private InputStream unused = first;

      @Override
      public InputStream open(long offset) throws IOException {
        if (unused != null) {
          InputStream s = unused;
          unused = null;
          return s;
        }
        return get(key, offset, end, pin);
      }
    }, request.offset(), maxAttempts, backoff);
  }

  /** The version every GET of one read is pinned to: the requested one, or the one the first GET saw. */
  private static final class Pin {
    private volatile String etag;

    Pin(Optional<String> version) {
      this.etag = version.orElse(null);
    }
  }

  private InputStream get(String key, long offset, long end, Pin pin) throws IOException {
    if (end >= 0 && offset >= end) {
      return InputStream.nullInputStream();
    }
    GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(bucket.name()).key(bucket.keys().objectKey(key));
    if (offset > 0 || end >= 0) {
      req.range("bytes=" + offset + "-" + (end >= 0 ? Long.toString(end - 1) : ""));
    }
    String pinned = pin.etag;
    if (pinned != null) {
      req.ifMatch(S3Bucket.quote(pinned));
    }
    ResponseInputStream<GetObjectResponse> response;
    try {
      response = bucket.client().getObject(req.build());
    } catch (SdkException e) {
      if (S3Errors.isNotFound(e)) {
        throw new NoSuchFileException(key);
      }
      if (pinned != null && S3Errors.isPreconditionFailed(e)) {
        throw S3Bucket.changed(key, pinned);
      }
      if (S3Errors.isRangeNotSatisfiable(e)) {
        return InputStream.nullInputStream(); // the offset is at or past the end of the object
      }
      throw S3Errors.failure("GetObject", key, e);
    }
    if (pinned == null) {
      pin.etag = S3Bucket.unquote(response.response().eTag());
    }
    // Closing an SDK response before its end would drain the rest of the body to reuse the connection.
    return new AbortOnEarlyCloseInputStream(response, () -> {
      response.abort();
      response.close();
    });
  }
}
