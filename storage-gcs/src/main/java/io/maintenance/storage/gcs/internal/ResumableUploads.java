package io.maintenance.storage.gcs.internal;

import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.EmptyContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpContent;
import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpResponse;
import com.google.api.client.http.json.JsonHttpContent;
import com.google.api.services.storage.model.StorageObject;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON API resumable-upload protocol: session start, chunk PUTs with {@code Content-Range}, status
 * query ({@code Content-Range: bytes *}{@code /*}), cancel, and removal of an object an upload created.
 *
 * <p>Integrity: every intermediate chunk is confirmed by the persisted size the server reports
 * ({@code Range}), resending whatever it did not keep; the final request carries the CRC32C of the whole
 * object in {@code x-goog-hash}, which the server verifies before it creates the object (the JSON API has
 * no per-chunk checksum). A rejected checksum is retried from the persisted offset, then fails with
 * {@code INTEGRITY_MISMATCH}. A data request that fails transiently is retried as a status query (the
 * server may have kept part of it), and the upload continues from what the server reports.
 */
public final class ResumableUploads {
  private static final Logger LOG = LoggerFactory.getLogger(ResumableUploads.class);
  private static final Pattern RANGE = Pattern.compile("bytes=0-(\\d+)");
  private static final String STATUS_QUERY = "bytes */*";
  private static final byte[] NO_BYTES = new byte[0];

  /** What the server holds for a session: bytes persisted, or the object if the session was finalized. */
  public record SessionStatus(long persisted, Optional<StorageObject> finished) {}

  /** One answer to a session PUT; {@code queried}: it answers a status query (asked for, or a retry). */
  private record Exchange(int status, long persisted, Optional<StorageObject> object, String message, boolean queried) {}

  private final JsonApi api;
  private final Optional<String> kmsKeyName;
  private final Optional<String> storageClass;

  /**
   * @param kmsKeyName the Cloud KMS key (CMEK) every new object is encrypted with; empty: the bucket's default
   * @param storageClass the storage class of every new object; empty: the bucket's default
   */
  public ResumableUploads(JsonApi api, Optional<String> kmsKeyName, Optional<String> storageClass) {
    this.api = api;
    this.kmsKeyName = kmsKeyName;
    this.storageClass = storageClass;
  }

  public String bucket() {
    return api.bucket();
  }

  /** Opens a resumable session for an object and returns its session URI (a capability: never log it). */
  public String startSession(String objectName, String contentType, String what) throws IOException {
    GenericUrl url = api.uploadUrl("?uploadType=resumable&name=" + JsonApi.encode(objectName)
        + kmsKeyName.map(k -> "&kmsKeyName=" + JsonApi.encode(k)).orElse(""));
    StorageObject metadata = new StorageObject().setName(objectName).setContentType(contentType);
    kmsKeyName.ifPresent(metadata::setKmsKeyName);
    storageClass.ifPresent(metadata::setStorageClass);
    HttpResponse response = null;
    try {
      HttpRequest request = api.request("POST", url, new JsonHttpContent(JsonApi.JSON, metadata), api.retries().start());
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
        throw GcsErrors.bucketMissing(what, bucket());
      }
      throw GcsErrors.status(status, what, bucket(), JsonApi.errorMessage(response));
    } catch (IOException e) {
      throw GcsErrors.io(e, what, bucket());
    } finally {
      JsonApi.release(response);
    }
  }

  /** Asks the server how much of a session it holds. */
  public SessionStatus query(String session, String contentType, String what) throws IOException {
    Exchange x = send(api.retries().start(), session, contentType, STATUS_QUERY, NO_BYTES, 0, 0, Optional.empty(), what);
    if (x.status() == 308) {
      return new SessionStatus(x.persisted(), Optional.empty());
    }
    if (x.status() == 200 || x.status() == 201) {
      return new SessionStatus(x.object().map(o -> o.getSize().longValue()).orElse(-1L), x.object());
    }
    throw sessionFailure(x, what);
  }

  /**
   * Sends one intermediate chunk (its length a multiple of 256 KiB) and returns once the server has
   * persisted exactly up to its end; resends what the server did not keep.
   */
  public void putChunk(String session, String contentType, long offset, byte[] data, int length, String what) throws IOException {
    RetryPolicy.Call call = api.retries().start();
    long end = offset + length;
    long from = offset;
    int stalls = 0;
    while (true) {
      Exchange x = send(call, session, contentType, "bytes " + from + "-" + (end - 1) + "/*", data, (int) (from - offset),
          (int) (end - from), Optional.empty(), what);
      if (x.status() == 308) {
        long persisted = checkPersisted(x.persisted(), offset, end, what);
        if (persisted == end) {
          return;
        }
        // The server kept part of the chunk (or, after a failed request, reports what it kept): send the rest.
        stalls = progress(call, x, persisted, from, stalls, what);
        from = persisted;
        continue;
      }
      if (x.status() == 200 || x.status() == 201) {
        throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, what + (x.queried()
            ? ": the session was finalized before all chunks were sent" : ": the server finalized the object on an intermediate chunk"));
      }
      throw sessionFailure(x, what);
    }
  }

  /**
   * Sends the last bytes with the total size and the whole object's CRC32C, and returns the object
   * the server created. Bytes the server already persisted are not sent again.
   */
  public StorageObject putFinal(String session, String contentType, long offset, byte[] data, int length, int crc32c, String what)
      throws IOException {
    RetryPolicy.Call call = api.retries().start();
    long total = offset + length;
    long from = offset; // -1: unknown, ask the server
    int stalls = 0;
    int rejections = 0;
    String lastRejection = "";
    while (true) {
      Exchange x;
      if (from < 0) {
        x = send(call, session, contentType, STATUS_QUERY, NO_BYTES, 0, 0, Optional.empty(), what);
      } else {
        String range = from == total ? "bytes */" + total : "bytes " + from + "-" + (total - 1) + "/" + total;
        x = send(call, session, contentType, range, data, (int) (from - offset), (int) (total - from),
            Optional.of(Crc32c.base64(crc32c)), what);
      }
      if (x.status() == 200 || x.status() == 201) {
        return x.object().orElseThrow(() -> new MaintenanceException(ErrorCode.STORAGE_FAILURE,
            what + ": the server finalized the upload without describing the object"));
      }
      if (x.status() == 308) {
        long persisted = checkPersisted(x.persisted(), offset, total, what);
        stalls = from < 0 ? stalls : progress(call, x, persisted, from, stalls, what);
        from = persisted;
        continue;
      }
      if (x.status() == 400 && !x.queried() && mentionsChecksum(x.message())) {
        lastRejection = x.message();
        if (++rejections >= api.retries().maxAttempts() || !call.pause()) {
          throw checksumRejected(what, crc32c, rejections, lastRejection);
        }
        from = -1; // resend from what the server kept
        continue;
      }
      if (rejections > 0 && (x.status() == 404 || x.status() == 410)) {
        throw checksumRejected(what, crc32c, rejections, lastRejection); // the server dropped the session
      }
      throw sessionFailure(x, what);
    }
  }

  /** Cancels a session (DELETE on its URI). Returns false if the server no longer knew it. */
  public boolean cancel(String session, String what) throws IOException {
    HttpResponse response = null;
    try {
      response = api.request("DELETE", new GenericUrl(session), null, api.retries().start()).execute();
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
      throw GcsErrors.status(status, what, bucket(), JsonApi.errorMessage(response));
    } catch (IOException e) {
      throw GcsErrors.io(e, what, bucket());
    } finally {
      JsonApi.release(response);
    }
  }

  /** Deletes one generation of an object an upload created (only if it is still the live one); best effort. */
  public void deleteGeneration(String objectName, Long generation, String what) throws IOException {
    HttpResponse response = null;
    try {
      response = api.request("DELETE", api.objectUrl(objectName, generation == null ? "" : "?ifGenerationMatch=" + generation),
          null, api.retries().start()).execute();
    } catch (IOException e) {
      throw GcsErrors.io(e, what, bucket());
    } finally {
      JsonApi.release(response);
    }
  }

  /**
   * One PUT on the session. A transient failure is retried by the policy as a status query, since the
   * server may have kept part of the data: the answer then says where to continue.
   */
  private Exchange send(RetryPolicy.Call call, String session, String contentType, String contentRange, byte[] data, int off,
      int len, Optional<String> crc32c, String what) throws IOException {
    AtomicBoolean queried = new AtomicBoolean(len == 0 && contentRange.equals(STATUS_QUERY));
    HttpResponse response = null;
    try {
      HttpContent content = len == 0 ? new EmptyContent() : new ByteArrayContent(contentType, data, off, len);
      HttpRequest request = api.request("PUT", new GenericUrl(session), content, call, retry -> {
        retry.setContent(new EmptyContent());
        retry.getHeaders().setContentRange(STATUS_QUERY);
        retry.getHeaders().remove("x-goog-hash");
        queried.set(true);
      });
      request.getHeaders().setContentRange(contentRange);
      crc32c.ifPresent(c -> request.getHeaders().set("x-goog-hash", "crc32c=" + c));
      response = request.execute();
      int status = response.getStatusCode();
      if (status == 308) {
        return new Exchange(status, persisted(response.getHeaders()), Optional.empty(), "", queried.get());
      }
      if (status == 200 || status == 201) {
        return new Exchange(status, -1, Optional.ofNullable(response.parseAs(StorageObject.class)), "", queried.get());
      }
      return new Exchange(status, -1, Optional.empty(), JsonApi.errorMessage(response), queried.get());
    } catch (IOException e) {
      throw GcsErrors.io(e, what, bucket());
    } finally {
      JsonApi.release(response);
    }
  }

  /**
   * Counts a data request the server answered without keeping any of it (a pathological server: a failed
   * request is the policy's to count); more bytes kept starts the attempts again.
   */
  private int progress(RetryPolicy.Call call, Exchange x, long persisted, long from, int stalls, String what) {
    if (persisted > from) {
      call.progressed();
      return 0;
    }
    if (x.queried()) {
      return stalls;
    }
    if (stalls + 1 >= api.retries().maxAttempts()) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE,
          what + ": the server keeps none of the bytes sent from offset " + from, Map.of("bucket", bucket()));
    }
    return stalls + 1;
  }

  private MaintenanceException checksumRejected(String what, int crc32c, int rejections, String serverMessage) {
    return new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
        what + ": Cloud Storage rejected the object's CRC32C " + rejections + " times ("
            + GcsErrors.abbreviate(serverMessage) + "); the data was corrupted on the way",
        Map.of("bucket", bucket(), "crc32c", Crc32c.base64(crc32c), "attempts", Integer.toString(rejections)));
  }

  private MaintenanceException sessionFailure(Exchange x, String what) {
    if (x.status() == 404 || x.status() == 410) {
      return new MaintenanceException(ErrorCode.NOT_FOUND,
          what + ": the upload session no longer exists (cancelled, expired or failed); start a new upload",
          Map.of("bucket", bucket(), "httpStatus", Integer.toString(x.status())));
    }
    return GcsErrors.status(x.status(), what, bucket(), x.message());
  }

  private long checkPersisted(long persisted, long chunkStart, long chunkEnd, String what) {
    if (persisted < chunkStart) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE,
          what + ": the server holds " + persisted + " bytes, fewer than the " + chunkStart + " it confirmed before",
          Map.of("bucket", bucket(), "persisted", Long.toString(persisted), "expected", Long.toString(chunkStart)));
    }
    if (persisted > chunkEnd) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE,
          what + ": the server claims " + persisted + " bytes, more than the " + chunkEnd + " sent",
          Map.of("bucket", bucket(), "persisted", Long.toString(persisted), "expected", Long.toString(chunkEnd)));
    }
    return persisted;
  }

  /** A status answer carries {@code Range: bytes=0-N} (N+1 bytes held) or no Range (nothing held). */
  private static long persisted(HttpHeaders headers) {
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

  private static boolean mentionsChecksum(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    return m.contains("crc32c") || m.contains("checksum") || m.contains("md5");
  }
}
