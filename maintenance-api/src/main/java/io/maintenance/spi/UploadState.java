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
 * @param chunkSha256 SHA-256 of each committed chunk, in order; a resume checks the source against them
 * @param attributes provider state: S3 upload id and part ETags, GCS session URI, temp file name, ...
 */
public record UploadState(
    String sessionId, String provider, String key, long chunkSize, List<String> chunkSha256, Map<String, String> attributes) {
  public UploadState {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(key, "key");
    if (chunkSize <= 0) {
      throw new IllegalArgumentException("chunkSize must be positive");
    }
    chunkSha256 = List.copyOf(chunkSha256);
    attributes = Map.copyOf(attributes);
  }

  /** Bytes that are durable on the provider's side. */
  public long committedBytes() {
    return chunkSize * chunkSha256.size();
  }
}
