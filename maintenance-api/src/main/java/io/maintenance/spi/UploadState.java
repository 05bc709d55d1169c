package io.maintenance.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything needed to resume an upload in another process: persisted by the engine in
 * {@code maintenance_upload_sessions} each time a chunk becomes durable.
 *
 * @param sessionId unique id of this upload session
 * @param chunkSize every committed chunk has this size
 * @param chunkCrc32c CRC32C (8 hex digits) of each committed chunk, in order; a resume checks the replayed
 *     source against them. End-to-end integrity is the artifact's SHA-256, checked on every read.
 * @param attributes provider state: S3 upload id and part ETags, GCS session URI, temp file name, ...
 */
public record UploadState(
    String sessionId, String provider, String key, long chunkSize, List<String> chunkCrc32c, Map<String, String> attributes) {
  public UploadState {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(key, "key");
    if (chunkSize <= 0) {
      throw new IllegalArgumentException("chunkSize must be positive");
    }
    chunkCrc32c = List.copyOf(chunkCrc32c);
    attributes = Map.copyOf(attributes);
  }

  /** Bytes that are durable on the provider's side. */
  public long committedBytes() {
    return chunkSize * chunkCrc32c.size();
  }
}
