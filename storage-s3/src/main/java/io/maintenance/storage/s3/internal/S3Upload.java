package io.maintenance.storage.s3.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.support.ChunkedUpload;
import io.maintenance.spi.support.StorageKeys;
import io.maintenance.storage.s3.ChecksumMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One object written as an S3 multipart upload, one chunk per part, or with a single PutObject when the
 * whole object fits in one chunk.
 *
 * <p>The multipart upload is created when the first full chunk is committed, in the writer's thread, and
 * its id is announced through the checkpoint right away, before any part is sent, so that the orphan sweep
 * can abort it after a crash. Later parts go to the executor, up to {@code parallelism} at once. The state's
 * attributes hold what another process needs to resume or abort: bucket, object key, checksum mode,
 * upload id, and the ETag (and CRC32C) of each part.
 */
public final class S3Upload extends ChunkedUpload {
  public static final String PROVIDER = "s3";
  /** S3 accepts at most this many parts per upload. */
  public static final int MAX_PARTS = 10_000;

  static final String BUCKET = "bucket";
  static final String OBJECT_KEY = "objectKey";
  static final String CHECKSUM = "checksum";
  static final String UPLOAD_ID = "uploadId";
  private static final String ETAG = "etag.";
  private static final String CRC32C = "crc32c.";

  private static final Logger LOG = LoggerFactory.getLogger(S3Upload.class);

  private final S3Bucket bucket;
  private final ChecksumMode mode;
  private final int parallelism;
  private final Executor pool;
  private volatile String singlePutEtag;

  private S3Upload(S3Bucket bucket, String key, int partSize, ChecksumMode mode, int parallelism, Executor pool,
      UploadOptions options, Optional<UploadState> resumeFrom) {
    super(PROVIDER, key, partSize, options, resumeFrom);
    this.bucket = bucket;
    this.mode = mode;
    this.parallelism = parallelism;
    this.pool = pool;
  }

  /** A new upload; nothing is sent until the first chunk is full or the upload completes. */
  public static S3Upload start(S3Bucket bucket, String key, int partSize, ChecksumMode mode, int parallelism,
      Executor pool, UploadOptions options) {
    S3Upload upload = new S3Upload(bucket, key, partSize, mode, parallelism, pool, options, Optional.empty());
    upload.attribute(BUCKET, bucket.name());
    upload.attribute(OBJECT_KEY, bucket.keys().objectKey(key));
    upload.attribute(CHECKSUM, mode.configValue());
    return upload;
  }

  /**
   * Continues an upload from its persisted state, after checking that the state belongs to this bucket and
   * prefix and that the server still holds every committed part with the recorded ETag.
   */
  public static S3Upload resume(S3Bucket bucket, UploadState state, int parallelism, Executor pool, UploadOptions options) {
    String key = state.key();
    String objectKey = bucket.keys().objectKey(key);
    Map<String, String> a = state.attributes();
    if (!PROVIDER.equals(state.provider())) {
      throw invalidState(state, "it belongs to provider '" + state.provider() + "'");
    }
    if (!bucket.name().equals(a.get(BUCKET)) || !objectKey.equals(a.get(OBJECT_KEY))) {
      throw invalidState(state, "it was started in bucket '" + a.get(BUCKET) + "' as '" + a.get(OBJECT_KEY)
          + "', not in bucket '" + bucket.name() + "' as '" + objectKey + "'");
    }
    ChecksumMode mode = ChecksumMode.parse(String.valueOf(a.get(CHECKSUM)))
        .orElseThrow(() -> invalidState(state, "its checksum mode '" + a.get(CHECKSUM) + "' is unknown"));
    int committedParts = state.chunkCrc32c().size();
    String uploadId = a.get(UPLOAD_ID);
    if (committedParts > 0) {
      if (uploadId == null) {
        throw invalidState(state, "it records committed parts but no upload id");
      }
      Map<Integer, String> held = bucket.listParts(key, uploadId).orElseThrow(() -> new MaintenanceException(
          ErrorCode.INVALID_REQUEST, "cannot resume upload of '" + key + "': S3 no longer has multipart upload "
              + uploadId + " (it was completed, aborted, or expired by a lifecycle rule); start a new upload",
          Map.of("key", key, "sessionId", state.sessionId(), "reason", "UPLOAD_SESSION_GONE")));
      for (int part = 1; part <= committedParts; part++) {
        String recorded = a.get(ETAG + part);
        String actual = held.get(part);
        if (recorded == null || !recorded.equals(actual)) {
          throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "cannot resume upload of '" + key + "': part "
              + part + " on the server " + (actual == null ? "is missing" : "has ETag " + actual)
              + " but the session recorded " + recorded, Map.of("key", key, "sessionId", state.sessionId(),
                  "part", Integer.toString(part)));
        }
      }
    }
    return new S3Upload(bucket, key, (int) state.chunkSize(), mode, parallelism, pool, options, Optional.of(state));
  }

  /**
   * Aborts the multipart upload a state records, if any; safe to repeat and to call from another process. The
   * object key recorded in the state is used, so a provider whose prefix changed since still finds the upload.
   */
  public static void abort(S3Bucket bucket, UploadState state) {
    Map<String, String> a = state.attributes();
    if (!PROVIDER.equals(state.provider())) {
      throw invalidState(state, "it belongs to provider '" + state.provider() + "'");
    }
    if (a.containsKey(BUCKET) && !bucket.name().equals(a.get(BUCKET))) {
      throw invalidState(state, "it was started in bucket '" + a.get(BUCKET) + "', not '" + bucket.name() + "'");
    }
    String uploadId = a.get(UPLOAD_ID);
    if (uploadId != null) {
      String objectKey = a.containsKey(OBJECT_KEY) ? StorageKeys.validate(a.get(OBJECT_KEY)) : bucket.keys().objectKey(state.key());
      bucket.abortMultipartAt(objectKey, state.key(), uploadId);
    }
  }

  @Override
  protected int parallelism() {
    return parallelism;
  }

  @Override
  protected Executor executor() {
    // Until the multipart upload exists, parts run in the writer's thread, which creates it and checkpoints.
    return task -> {
      if (attribute(UPLOAD_ID).isPresent()) {
        pool.execute(task);
      } else {
        task.run();
      }
    };
  }

  @Override
  protected void commitChunk(int index, long offset, byte[] data, int length, boolean last) {
    if (index == 0 && last) {
      singlePutEtag = bucket.putObject(key(), contentType(), data, length, mode);
      return;
    }
    int partNumber = index + 1;
    if (partNumber > MAX_PARTS) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "object '" + key() + "' needs more than " + MAX_PARTS
          + " parts of " + chunkSize() + " bytes, the most S3 accepts; raise the s3 'part-size'",
          Map.of("key", key(), "partSize", Integer.toString(chunkSize())));
    }
    String uploadId = ensureMultipart();
    S3Bucket.Part part = bucket.uploadPart(key(), uploadId, partNumber, data, length, mode);
    attribute(ETAG + partNumber, part.etag());
    part.crc32c().ifPresent(c -> attribute(CRC32C + partNumber, c));
  }

  @Override
  protected ObjectInfo finish(long totalBytes) {
    if (singlePutEtag != null) {
      // An upload id from an earlier process is left over when a resumed upload ends up in one chunk.
      attribute(UPLOAD_ID).ifPresent(id -> bucket.abortMultipart(key(), id));
      return describe(singlePutEtag, totalBytes);
    }
    String uploadId = attribute(UPLOAD_ID).orElseThrow(() -> new IllegalStateException("no multipart upload for " + key()));
    int parts = (int) (committedBytes() / chunkSize()) + 1;
    List<S3Bucket.Part> completed = new ArrayList<>(parts);
    for (int n = 1; n <= parts; n++) {
      String etag = attribute(ETAG + n).orElseThrow(() -> new IllegalStateException("no ETag recorded for a part of " + key()));
      completed.add(new S3Bucket.Part(n, etag, attribute(CRC32C + n)));
    }
    String etag = bucket.completeMultipart(key(), uploadId, completed);
    return describe(etag, totalBytes);
  }

  @Override
  protected void discard() {
    attribute(UPLOAD_ID).ifPresent(id -> bucket.abortMultipart(key(), id));
  }

  /** Creates the multipart upload on first use and checkpoints its id before any part is sent. */
  private synchronized String ensureMultipart() {
    Optional<String> existing = attribute(UPLOAD_ID);
    if (existing.isPresent()) {
      return existing.get();
    }
    String uploadId = bucket.createMultipart(key(), contentType(), mode);
    attribute(UPLOAD_ID, uploadId);
    checkpoint();
    return uploadId;
  }

  /**
   * The stored object as S3 reports it. Its ETag is the version later reads pin to: some servers (S3Proxy)
   * report a different ETag for a completed multipart object than the completion returned. A size other than
   * what was sent is an integrity failure; a failed lookup is not (the write already succeeded), so the write's
   * own facts are used then.
   */
  private ObjectInfo describe(String etag, long totalBytes) {
    Optional<ObjectInfo> stored;
    try {
      stored = bucket.head(key(), Optional.empty());
    } catch (MaintenanceException e) {
      LOG.warn("could not read back '{}' after writing it: {}", key(), e.getMessage());
      stored = Optional.empty();
    }
    if (stored.isPresent() && stored.get().size() != totalBytes) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "S3 stored " + stored.get().size() + " bytes for '"
          + key() + "' but " + totalBytes + " were sent", Map.of("key", key(), "expectedSize", Long.toString(totalBytes),
              "storedSize", Long.toString(stored.get().size())));
    }
    return stored.orElseGet(() -> new ObjectInfo(key(), totalBytes, Instant.now(), Optional.of(etag)));
  }

  private static MaintenanceException invalidState(UploadState state, String why) {
    return new MaintenanceException(ErrorCode.INVALID_REQUEST, "upload state of '" + state.key() + "' does not fit this "
        + "provider: " + why, Map.of("key", state.key(), "sessionId", state.sessionId()));
  }
}
