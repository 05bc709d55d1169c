package io.maintenance.storage.gcs.internal;

import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpResponse;
import com.google.api.services.storage.model.StorageObject;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.AbortOnEarlyCloseInputStream;
import io.maintenance.spi.support.BoundedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Ranged {@code alt=media} reads pinned to an object generation, so that a read (and every resumption of
 * it) sees one version of the object or fails with {@code INTEGRITY_MISMATCH}.
 */
public final class MediaReads {
  private final JsonApi api;

  public MediaReads(JsonApi api) {
    this.api = api;
  }

  /**
   * Streams {@code length} bytes (-1: to the end) from {@code offset}; pinned to a generation when
   * given. Returns empty when the object (or that generation) does not exist; a generation that no
   * longer matches fails with {@code INTEGRITY_MISMATCH}.
   */
  public Optional<InputStream> open(String objectName, long offset, long length, OptionalLong generation, String what)
      throws IOException {
    // generation= pins the bytes; ifGenerationMatch= makes a changed object fail (412) even with versioning.
    String pin = generation.isPresent()
        ? "&generation=" + generation.getAsLong() + "&ifGenerationMatch=" + generation.getAsLong() : "";
    boolean ranged = offset > 0 || length >= 0;
    HttpResponse response = null;
    boolean handedOver = false;
    try {
      HttpRequest request = api.request("GET", api.objectUrl(objectName, "?alt=media" + pin), null, api.retries().start());
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
      throw GcsErrors.status(status, what, api.bucket(), JsonApi.errorMessage(response));
    } catch (IOException e) {
      throw GcsErrors.io(e, what, api.bucket());
    } finally {
      if (!handedOver) {
        JsonApi.disconnect(response);
      }
    }
  }

  public MaintenanceException changed(String what, OptionalLong generation) {
    return new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
        what + ": the object changed since generation " + generation.orElse(-1) + " was pinned",
        Map.of("bucket", api.bucket(), "generation", Long.toString(generation.orElse(-1))));
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
    HttpResponse response = null;
    try {
      response = api.request("GET", api.objectUrl(objectName, "?fields=generation"), null, api.retries().start()).execute();
      if (response.getStatusCode() == 404) {
        return Optional.empty();
      }
      if (response.getStatusCode() != 200) {
        throw GcsErrors.status(response.getStatusCode(), "generation check of '" + objectName + "'", api.bucket(),
            JsonApi.errorMessage(response));
      }
      return Optional.ofNullable(response.parseAs(StorageObject.class).getGeneration());
    } finally {
      JsonApi.release(response);
    }
  }
}
