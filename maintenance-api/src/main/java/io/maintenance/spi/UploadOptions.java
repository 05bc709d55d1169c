package io.maintenance.spi;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Options of one upload.
 *
 * @param contentType stored with the object where the provider supports it
 * @param checkpoint called with the new state each time a chunk became durable (before more data is
 *     sent), so that a crash can resume from it; if it throws (the state could not be recorded), the
 *     upload fails with that exception
 */
public record UploadOptions(String contentType, Consumer<UploadState> checkpoint) {
  public UploadOptions {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(checkpoint, "checkpoint");
  }

  public static UploadOptions of(String contentType) {
    return new UploadOptions(contentType, s -> {});
  }
}
