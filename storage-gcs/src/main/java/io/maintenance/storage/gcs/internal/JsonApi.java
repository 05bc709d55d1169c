package io.maintenance.storage.gcs.internal;

import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.EmptyContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpContent;
import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.HttpResponse;
import com.google.api.client.http.json.JsonHttpContent;
import com.google.api.client.json.JsonObjectParser;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.storage.model.StorageObject;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.AbortOnEarlyCloseInputStream;
import io.maintenance.spi.support.BoundedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of the Cloud Storage JSON API that the client library does not expose in a form that
 * survives a process crash: the resumable-upload protocol (session URI, chunk PUTs with
 * {@code Content-Range}, status query, cancel) and generation-pinned ranged media reads. Requests go
 * through the library's own {@link HttpRequestFactory}, so credentials, timeouts, user agent and the
 * endpoint are exactly those of the {@code Storage} the host configured.
 *
 * <p>Integrity on upload: every intermediate chunk is confirmed by the persisted size the server
 * reports ({@code Range}), resending whatever it did not keep; the final request carries the CRC32C
 * of the whole object in {@code x-goog-hash}, which the server verifies before it creates the object
 * (the JSON API has no per-chunk checksum). A rejected checksum is retried from the persisted offset,
 * then fails with {@code INTEGRITY_MISMATCH}.
 */
public final class JsonApi {
  private static final Logger LOG = LoggerFactory.getLogger(JsonApi.class);
  private static final Pattern RANGE = Pattern.compile("bytes=0-(\\d+)");
  private static final GsonFactory JSON = GsonFactory.getDefaultInstance();

  /** What the server holds for a session: bytes persisted, or the object if the session was finalized. */
  public record SessionStatus(long persisted, Optional<StorageObject> finished) {}

  private final HttpRequestFactory requests;
  private final String host;
  private final String bucket;
  private final int maxAttempts;
  private final Duration retryDelay;
  private final Duration requestTimeout;
  private final Optional<String> kmsKeyName;
  private final Optional<String> storageClass;

  /**
   * @param requestTimeout the longest one call may take, its retries included: a hung server fails it within
   *     this time (each attempt's connect and read timeouts are cut to what is left)
   * @param kmsKeyName the Cloud KMS key (CMEK) every new object is encrypted with; empty: the bucket's default
   * @param storageClass the storage class of every new object; empty: the bucket's default
   */
  public JsonApi(HttpRequestFactory requests, String host, String bucket, int maxAttempts, Duration retryDelay,
      Duration requestTimeout, Optional<String> kmsKeyName, Optional<String> storageClass) {
    this.kmsKeyName = kmsKeyName;
    this.storageClass = storageClass;
    this.requests = requests;
    this.host = host.endsWith("/") ? host.substring(0, host.length() - 1) : host;
    this.bucket = bucket;
    this.maxAttempts = Math.max(1, maxAttempts);
    this.retryDelay = retryDelay;
    this.requestTimeout = requestTimeout;
  }

  /** When a call that starts now must have ended (System.nanoTime). */
  private long deadline() {
    return System.nanoTime() + requestTimeout.toNanos();
  }

  private static boolean expired(long deadline) {
    return System.nanoTime() - deadline >= 0;
  }

  public String bucket() {
    return bucket;
  }

  /** Opens a resumable session for an object and returns its session URI (a capability: never log it). */
  public String startSession(String objectName, String contentType, String what) throws IOException {
    GenericUrl url = new GenericUrl(host + "/upload/storage/v1/b/" + encode(bucket) + "/o?uploadType=resumable&name="
        + encode(objectName) + kmsKeyName.map(k -> "&kmsKeyName=" + encode(k)).orElse(""));
    StorageObject metadata = new StorageObject().setName(objectName).setContentType(contentType);
    kmsKeyName.ifPresent(metadata::setKmsKeyName);
    storageClass.ifPresent(metadata::setStorageClass);
    long deadline = deadline();
    for (int attempt = 1; ; attempt++) {
      HttpResponse response = null;
      try {
        HttpRequest request = prepare(requests.buildPostRequest(url, new JsonHttpContent(JSON, metadata)), deadline);
        request.getHeaders().set("X-Upload-Content-Type", contentType);
        response = request.execute();
        int status = response.getStatusCode();
        if (status == 200 || status == 201) {
          String location = response.getHeaders().getLocation();
          if (location == null || location.isBlank()) {
            throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, what + ": the server opened no upload session (no Location)");
          }
          return location;
        }
        if (status == 404) {
          throw GcsErrors.bucketMissing(what, bucket);
        }
        if (!retryable(status) || attempt >= maxAttempts || expired(deadline)) {
          throw GcsErrors.status(status, what, bucket, errorMessage(response));
        }
      } catch (IOException e) {
        if (attempt >= maxAttempts || expired(deadline) || GcsErrors.isAuthFailure(e)) {
          throw GcsErrors.io(e, what, bucket);
        }
      } finally {
        release(response);
      }
      pause(attempt, deadline);
    }
  }

  /** Asks the server how much of a session it holds ({@code Content-Range: bytes *}{@code /*}). */
  public SessionStatus query(String session, String contentType, String what) throws IOException {
    long deadline = deadline();
    for (int attempt = 1; ; attempt++) {
      try {
        return queryOnce(session, contentType, what, deadline);
      } catch (Transient t) {
        if (attempt >= maxAttempts || expired(deadline)) {
          throw t.failure(what, bucket);
        }
      }
      pause(attempt, deadline);
    }
  }

  /**
   * Sends one intermediate chunk (its length a multiple of 256 KiB) and returns once the server has
   * persisted exactly up to its end; resends what the server did not keep, retrying transient
   * failures from the persisted offset.
   */
  public void putChunk(String session, String contentType, long offset, byte[] data, int length, String what) throws IOException {
    long deadline = deadline();
    long end = offset + length;
    long from = offset;
    int failures = 0;
    while (true) {
      try {
        if (from < 0) {
          SessionStatus s = queryOnce(session, contentType, what, deadline);
          if (s.finished().isPresent()) {
            throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, what + ": the session was finalized before all chunks were sent");
          }
          from = checkPersisted(s.persisted(), offset, end, what);
          if (from == end) {
            return;
          }
        }
        Exchange x = put(session, contentType, "bytes " + from + "-" + (end - 1) + "/*", data, (int) (from - offset),
            (int) (end - from), Optional.empty(), what, deadline);
        if (x.status() == 308) {
          long persisted = checkPersisted(x.persisted(), offset, end, what);
          if (persisted == end) {
            return;
          }
          // The server kept part of the chunk: send the rest (progress resets the failure count).
          failures = progress(persisted, from, failures, what);
          from = persisted;
          continue;
        }
        if (x.status() == 200 || x.status() == 201) {
          throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, what + ": the server finalized the object on an intermediate chunk");
        }
        throw nonTransient(x, what);
      } catch (Transient t) {
        if (++failures >= maxAttempts || expired(deadline)) {
          throw t.failure(what, bucket);
        }
        pause(failures, deadline);
        from = -1; // unknown: ask the server
      }
    }
  }

  /**
   * Sends the last bytes with the total size and the whole object's CRC32C, and returns the object
   * the server created. Bytes the server already persisted are not sent again.
   */
  public StorageObject putFinal(String session, String contentType, long offset, byte[] data, int length, int crc32c, String what)
      throws IOException {
    long deadline = deadline();
    long total = offset + length;
    long from = offset;
    int failures = 0;
    int checksumRejections = 0;
    String lastRejection = "";
    while (true) {
      try {
        if (from < 0) {
          SessionStatus s;
          try {
            s = queryOnce(session, contentType, what, deadline);
          } catch (MaintenanceException gone) {
            if (checksumRejections > 0 && gone.code() == ErrorCode.NOT_FOUND) {
              throw checksumRejected(what, crc32c, checksumRejections, lastRejection); // the server dropped the session
            }
            throw gone;
          }
          if (s.finished().isPresent()) {
            return s.finished().get();
          }
          from = checkPersisted(s.persisted(), offset, total, what);
        }
        String range = from == total ? "bytes */" + total : "bytes " + from + "-" + (total - 1) + "/" + total;
        Exchange x = put(session, contentType, range, data, (int) (from - offset), (int) (total - from),
            Optional.of(Crc32c.base64(crc32c)), what, deadline);
        if (x.status() == 200 || x.status() == 201) {
          return x.object().orElseThrow(() -> new MaintenanceException(ErrorCode.STORAGE_FAILURE,
              what + ": the server finalized the upload without describing the object"));
        }
        if (x.status() == 308) {
          long persisted = checkPersisted(x.persisted(), offset, total, what);
          failures = progress(persisted, from, failures, what);
          from = persisted;
          continue;
        }
        if (x.status() == 400 && mentionsChecksum(x.message())) {
          lastRejection = x.message();
          if (++checksumRejections >= maxAttempts) {
            throw checksumRejected(what, crc32c, checksumRejections, lastRejection);
          }
          pause(checksumRejections, deadline);
          from = -1; // resend from what the server kept
          continue;
        }
        throw nonTransient(x, what);
      } catch (Transient t) {
        if (++failures >= maxAttempts || expired(deadline)) {
          throw t.failure(what, bucket);
        }
        pause(failures, deadline);
        from = -1;
      }
    }
  }

  private MaintenanceException checksumRejected(String what, int crc32c, int rejections, String serverMessage) {
    return new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
        what + ": Cloud Storage rejected the object's CRC32C " + rejections + " times ("
            + GcsErrors.abbreviate(serverMessage) + "); the data was corrupted on the way",
        Map.of("bucket", bucket, "crc32c", Crc32c.base64(crc32c), "attempts", Integer.toString(rejections)));
  }

  /** Cancels a session (DELETE on its URI). Returns false if the server no longer knew it. */
  public boolean cancel(String session, String what) throws IOException {
    long deadline = deadline();
    for (int attempt = 1; ; attempt++) {
      HttpResponse response = null;
      try {
        response = prepare(requests.buildDeleteRequest(new GenericUrl(session)), deadline).execute();
        int status = response.getStatusCode();
        // 499 is the documented answer to a successful cancel.
        if (status == 499 || status == 204 || status == 200) {
          return true;
        }
        if (status == 404 || status == 410) {
          return false;
        }
        if (status == 501 || status == 400) {
          // 501: some emulators cannot cancel; 400: the session is finalized or broken. An unfinalized
          // session shows nothing under the key and expires by itself (a week on GCS), so the abort
          // still holds for the caller.
          LOG.warn("{}: the server did not cancel the upload session (HTTP {}); it is left to expire", what, status);
          return false;
        }
        if (!retryable(status) || attempt >= maxAttempts || expired(deadline)) {
          throw GcsErrors.status(status, what, bucket, errorMessage(response));
        }
      } catch (IOException e) {
        if (attempt >= maxAttempts || expired(deadline) || GcsErrors.isAuthFailure(e)) {
          throw GcsErrors.io(e, what, bucket);
        }
      } finally {
        release(response);
      }
      pause(attempt, deadline);
    }
  }

  /**
   * Streams {@code length} bytes (-1: to the end) from {@code offset}; pinned to a generation when
   * given. Returns empty when the object (or that generation) does not exist; a generation that no
   * longer matches fails with {@code INTEGRITY_MISMATCH}.
   */
  public Optional<InputStream> openMedia(String objectName, long offset, long length, OptionalLong generation, String what)
      throws IOException {
    StringBuilder url = new StringBuilder(host).append("/storage/v1/b/").append(encode(bucket)).append("/o/")
        .append(encode(objectName)).append("?alt=media");
    if (generation.isPresent()) {
      // generation= pins the bytes; ifGenerationMatch= makes a changed object fail (412) even with versioning.
      url.append("&generation=").append(generation.getAsLong()).append("&ifGenerationMatch=").append(generation.getAsLong());
    }
    boolean ranged = offset > 0 || length >= 0;
    long deadline = deadline();
    for (int attempt = 1; ; attempt++) {
      HttpResponse response = null;
      boolean handedOver = false;
      try {
        HttpRequest request = prepare(requests.buildGetRequest(new GenericUrl(url.toString())), deadline);
        request.setResponseReturnRawInputStream(true);
        if (ranged) {
          request.getHeaders().setRange("bytes=" + offset + "-" + (length >= 0 ? Long.toString(offset + length - 1) : ""));
        }
        response = request.execute();
        int status = response.getStatusCode();
        if (status == 200 || status == 206) {
          checkGeneration(response.getHeaders(), objectName, generation, what);
          InputStream body = response.getContent();
          if (body == null) {
            body = InputStream.nullInputStream();
          }
          if (status == 200 && ranged) {
            // A server that ignored the Range header sent the whole object.
            body.skipNBytes(offset);
            if (length >= 0) {
              body = new BoundedInputStream(body, length);
            }
          }
          handedOver = true;
          // Closing an unfinished body would drain the rest of the object first.
          return Optional.of(new AbortOnEarlyCloseInputStream(body, response::disconnect));
        }
        if (status == 416) {
          return Optional.of(InputStream.nullInputStream()); // offset at or past the end
        }
        if (status == 404) {
          return Optional.empty();
        }
        if (status == 412) {
          throw changed(what, generation);
        }
        if (!retryable(status) || attempt >= maxAttempts || expired(deadline)) {
          throw GcsErrors.status(status, what, bucket, errorMessage(response));
        }
      } catch (IOException e) {
        if (attempt >= maxAttempts || expired(deadline) || GcsErrors.isAuthFailure(e)) {
          throw GcsErrors.io(e, what, bucket);
        }
      } finally {
        if (!handedOver) {
          disconnect(response);
        }
      }
      pause(attempt, deadline);
    }
  }

  /** Deletes one generation of an object (only if it is still the live one); best effort. */
  public void deleteGeneration(String objectName, Long generation, String what) throws IOException {
    String url = host + "/storage/v1/b/" + encode(bucket) + "/o/" + encode(objectName)
        + (generation == null ? "" : "?ifGenerationMatch=" + generation);
    HttpResponse response = null;
    try {
      response = prepare(requests.buildDeleteRequest(new GenericUrl(url)), deadline()).execute();
    } catch (IOException e) {
      throw GcsErrors.io(e, what, bucket);
    } finally {
      release(response);
    }
  }

  public MaintenanceException changed(String what, OptionalLong generation) {
    return new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
        what + ": the object changed since generation " + generation.orElse(-1) + " was pinned",
        Map.of("bucket", bucket, "generation", Long.toString(generation.orElse(-1))));
  }

  /** Percent-encodes a path segment or query value (a '/' in an object name becomes %2F). */
  public static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // ---------------------------------------------------------------------------------------------

  private record Exchange(int status, long persisted, Optional<StorageObject> object, String message) {}

  /** A failure worth retrying (network, 408, 429, 5xx); carries what to report when retries run out. */
  private static final class Transient extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;

    Transient(int status, String message, Throwable cause) {
      super(message, cause);
      this.status = status;
    }

    MaintenanceException failure(String what, String bucket) {
      if (getCause() instanceof IOException io) {
        return GcsErrors.io(io, what, bucket);
      }
      return GcsErrors.status(status, what, bucket, getMessage());
    }
  }

  private SessionStatus queryOnce(String session, String contentType, String what, long deadline) throws IOException {
    Exchange x = put(session, contentType, "bytes */*", new byte[0], 0, 0, Optional.empty(), what, deadline);
    if (x.status() == 308) {
      return new SessionStatus(x.persisted(), Optional.empty());
    }
    if (x.status() == 200 || x.status() == 201) {
      return new SessionStatus(x.object().map(o -> o.getSize().longValue()).orElse(-1L), x.object());
    }
    throw nonTransient(x, what);
  }

  private Exchange put(String session, String contentType, String contentRange, byte[] data, int off, int len,
      Optional<String> crc32c, String what, long deadline) throws Transient {
    HttpResponse response = null;
    try {
      HttpContent content = len == 0 ? new EmptyContent() : new ByteArrayContent(contentType, data, off, len);
      HttpRequest request = prepare(requests.buildPutRequest(new GenericUrl(session), content), deadline);
      request.getHeaders().setContentRange(contentRange);
      crc32c.ifPresent(c -> request.getHeaders().set("x-goog-hash", "crc32c=" + c));
      response = request.execute();
      int status = response.getStatusCode();
      if (status == 308) {
        return new Exchange(status, persisted(response.getHeaders()), Optional.empty(), "");
      }
      if (status == 200 || status == 201) {
        return new Exchange(status, -1, Optional.ofNullable(response.parseAs(StorageObject.class)), "");
      }
      String message = errorMessage(response);
      if (retryable(status)) {
        throw new Transient(status, message, null);
      }
      return new Exchange(status, -1, Optional.empty(), message);
    } catch (Transient t) {
      throw t;
    } catch (IOException e) {
      if (GcsErrors.isAuthFailure(e)) {
        throw GcsErrors.io(e, what, bucket);
      }
      throw new Transient(0, e.getMessage(), e);
    } finally {
      release(response);
    }
  }

  /** Resets the failure count when the server kept more bytes, counts a failure when it kept none of them. */
  private int progress(long persisted, long from, int failures, String what) {
    if (persisted > from) {
      return 0;
    }
    if (failures + 1 >= maxAttempts) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE,
          what + ": the server keeps none of the bytes sent from offset " + from, Map.of("bucket", bucket));
    }
    return failures + 1;
  }

  private MaintenanceException nonTransient(Exchange x, String what) {
    if (x.status() == 404 || x.status() == 410) {
      return new MaintenanceException(ErrorCode.NOT_FOUND,
          what + ": the upload session no longer exists (cancelled, expired or failed); start a new upload",
          Map.of("bucket", bucket, "httpStatus", Integer.toString(x.status())));
    }
    return GcsErrors.status(x.status(), what, bucket, x.message());
  }

  private long checkPersisted(long persisted, long chunkStart, long chunkEnd, String what) {
    if (persisted < chunkStart) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE,
          what + ": the server holds " + persisted + " bytes, fewer than the " + chunkStart + " it confirmed before",
          Map.of("bucket", bucket, "persisted", Long.toString(persisted), "expected", Long.toString(chunkStart)));
    }
    if (persisted > chunkEnd) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE,
          what + ": the server claims " + persisted + " bytes, more than the " + chunkEnd + " sent",
          Map.of("bucket", bucket, "persisted", Long.toString(persisted), "expected", Long.toString(chunkEnd)));
    }
    return persisted;
  }

  /**
   * GCS names the generation it served in {@code x-goog-generation}. A server that does not (some
   * emulators, which also ignore the generation parameter) is asked for the live generation instead.
   */
  private void checkGeneration(HttpHeaders headers, String objectName, OptionalLong generation, String what) throws IOException {
    if (generation.isEmpty()) {
      return;
    }
    Object value = headers.get("x-goog-generation");
    String served;
    if (value != null) {
      served = value instanceof List<?> l && !l.isEmpty() ? String.valueOf(l.get(0)) : String.valueOf(value);
    } else {
      served = liveGeneration(objectName).map(String::valueOf).orElse("none");
    }
    if (!served.equals(Long.toString(generation.getAsLong()))) {
      throw changed(what, generation);
    }
  }

  private Optional<Long> liveGeneration(String objectName) throws IOException {
    GenericUrl url = new GenericUrl(host + "/storage/v1/b/" + encode(bucket) + "/o/" + encode(objectName) + "?fields=generation");
    HttpResponse response = null;
    try {
      response = prepare(requests.buildGetRequest(url), deadline()).execute();
      if (response.getStatusCode() == 404) {
        return Optional.empty();
      }
      if (response.getStatusCode() != 200) {
        throw GcsErrors.status(response.getStatusCode(), "generation check of '" + objectName + "'", bucket, errorMessage(response));
      }
      return Optional.ofNullable(response.parseAs(StorageObject.class).getGeneration());
    } finally {
      release(response);
    }
  }

  private HttpRequest prepare(HttpRequest request, long deadline) {
    // No single attempt may outlive the call's deadline.
    int left = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000));
    request.setConnectTimeout(Math.min(request.getConnectTimeout(), left));
    request.setReadTimeout(Math.min(request.getReadTimeout(), left));
    request.setThrowExceptionOnExecuteError(false);
    request.setFollowRedirects(false); // 308 means "resume incomplete" here, not a redirect
    request.setParser(new JsonObjectParser(JSON));
    return request;
  }

  /** A status query answers with {@code Range: bytes=0-N} (N+1 bytes held) or no Range (nothing held). */
  static long persisted(HttpHeaders headers) {
    String range = headers.getRange();
    if (range == null || range.isBlank()) {
      return 0;
    }
    Matcher m = RANGE.matcher(range.trim());
    if (!m.matches()) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, "unexpected Range header in an upload response: " + range);
    }
    return Long.parseLong(m.group(1)) + 1;
  }

  private static boolean retryable(int status) {
    return status == 408 || status == 429 || (status >= 500 && status != 501);
  }

  private static boolean mentionsChecksum(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    return m.contains("crc32c") || m.contains("checksum") || m.contains("md5");
  }

  private static String errorMessage(HttpResponse response) {
    try {
      String body = response.parseAsString();
      return body == null ? "" : body;
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** Ends a small exchange, keeping the connection for reuse when the body can be read to its end. */
  private static void release(HttpResponse response) {
    if (response != null) {
      try {
        response.ignore();
      } catch (IOException e) {
        disconnect(response);
      }
    }
  }

  private static void disconnect(HttpResponse response) {
    if (response != null) {
      try {
        response.disconnect();
      } catch (IOException ignored) {
        // the exchange is over either way
      }
    }
  }

  private void pause(int attempt, long deadline) throws IOException {
    long base = retryDelay.toMillis() * (1L << Math.min(attempt - 1, 6));
    long millis = Math.min(base, 30_000) + ThreadLocalRandom.current().nextLong(Math.max(1, base / 5));
    millis = Math.max(0, Math.min(millis, (deadline - System.nanoTime()) / 1_000_000));
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry a Cloud Storage request");
    }
  }

  /** Releases the connection when the caller closes: keeps it alive after a full read, drops it otherwise. */
}
