package io.maintenance.storage.gcs.internal;

import com.google.api.services.storage.model.StorageObject;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.support.ChunkedUpload;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One object written through a GCS resumable upload session. The session URI and the object it
 * writes are the provider state in {@link UploadState}, so that another process can continue the
 * session: it asks the server how much it holds and requires that to equal the committed offset
 * before anything is sent. The CRC32C of the committed bytes, needed for the whole-object checksum
 * GCS verifies at the end, is combined from the chunk CRC32Cs the state records anyway.
 */
public final class GcsUpload extends ChunkedUpload {
  public static final String PROVIDER = "gcs";
  /** Session URI: a capability to write this one object, valid for a week. Persisted, never logged. */
  public static final String SESSION = "gcs.session";
  /** {@code bucket/objectName} the session writes. */
  public static final String TARGET = "gcs.target";

  /** Chunks other than the last must be multiples of this (a protocol rule). */
  public static final int CHUNK_GRANULARITY = 256 * 1024;

  private final ResumableUploads api;
  private final String objectName;
  private final String session;
  private int crc;
  private StorageObject created;

  /** Opens a new session and announces it (checkpoint) before any data is sent. */
  public static GcsUpload start(ResumableUploads api, String key, String objectName, int chunkSize, UploadOptions options) throws IOException {
    String what = "upload of '" + key + "'";
    String session = api.startSession(objectName, options.contentType(), what);
    GcsUpload upload = new GcsUpload(api, key, objectName, chunkSize, options, Optional.empty(), session, 0);
    upload.checkpoint();
    return upload;
  }

  /** Continues a session from its persisted state after checking the server holds exactly the committed bytes. */
  public static GcsUpload resume(ResumableUploads api, UploadState state, String objectName, UploadOptions options) throws IOException {
    String what = "resumed upload of '" + state.key() + "'";
    if (!PROVIDER.equals(state.provider())) {
      throw invalid(state, "was made by provider '" + state.provider() + "'");
    }
    if (state.chunkSize() % CHUNK_GRANULARITY != 0) {
      throw invalid(state, "has a chunk size that is not a multiple of 256 KiB");
    }
    String target = api.bucket() + "/" + objectName;
    if (!target.equals(state.attributes().get(TARGET))) {
      throw invalid(state, "writes '" + state.attributes().get(TARGET) + "', not '" + target + "' (bucket or prefix changed?)");
    }
    String session = Optional.ofNullable(state.attributes().get(SESSION)).orElseThrow(() -> invalid(state, "has no session URI"));
    int crc = 0;
    try {
      for (String chunkCrc : state.chunkCrc32c()) {
        crc = Crc32c.combine(crc, Integer.parseUnsignedInt(chunkCrc, 16), state.chunkSize());
      }
    } catch (NumberFormatException e) {
      throw invalid(state, "has a chunk CRC32C that is not 8 hex digits");
    }
    ResumableUploads.SessionStatus status = api.query(session, options.contentType(), what);
    if (status.finished().isPresent()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, what + ": the session was already finalized",
          Map.of("key", state.key(), "sessionId", state.sessionId()));
    }
    if (status.persisted() != state.committedBytes()) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
          what + ": the server holds " + status.persisted() + " bytes of the session but the saved state committed "
              + state.committedBytes() + "; start a new upload",
          Map.of("key", state.key(), "sessionId", state.sessionId(), "persisted", Long.toString(status.persisted()),
              "committed", Long.toString(state.committedBytes())));
    }
    return new GcsUpload(api, state.key(), objectName, (int) state.chunkSize(), options, Optional.of(state), session, crc);
  }

  private GcsUpload(ResumableUploads api, String key, String objectName, int chunkSize, UploadOptions options,
      Optional<UploadState> resumeFrom, String session, int crc) {
    super(PROVIDER, key, chunkSize, options, resumeFrom);
    this.api = api;
    this.objectName = objectName;
    this.session = session;
    this.crc = crc;
    attribute(SESSION, session);
    attribute(TARGET, api.bucket() + "/" + objectName);
  }

  @Override
  protected void commitChunk(int index, long offset, byte[] data, int length, boolean last) throws IOException {
    int cumulative = Crc32c.combine(crc, Crc32c.of(data, 0, length), length);
    String what = "upload of '" + key() + "'";
    if (last) {
      created = api.putFinal(session, contentType(), offset, data, length, cumulative, what);
    } else {
      api.putChunk(session, contentType(), offset, data, length, what);
    }
    crc = cumulative;
  }

  @Override
  protected ObjectInfo finish(long totalBytes) throws IOException {
    String what = "upload of '" + key() + "'";
    long size = created.getSize() == null ? -1 : created.getSize().longValue();
    String expected = Crc32c.base64(crc);
    // The server verified x-goog-hash before creating the object; a server that ignores the header is caught here.
    if (size != totalBytes || (created.getCrc32c() != null && !expected.equals(created.getCrc32c()))) {
      Long generation = created.getGeneration();
      api.deleteGeneration(objectName, generation, what);
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
          what + ": the stored object (" + size + " bytes, CRC32C " + created.getCrc32c() + ") differs from the data sent ("
              + totalBytes + " bytes, CRC32C " + expected + "); it was removed",
          Map.of("key", key(), "expectedCrc32c", expected, "actualCrc32c", String.valueOf(created.getCrc32c())));
    }
    Instant updated = created.getUpdated() == null ? Instant.now() : Instant.ofEpochMilli(created.getUpdated().getValue());
    return new ObjectInfo(key(), size, updated, Optional.ofNullable(created.getGeneration()).map(String::valueOf));
  }

  @Override
  protected void discard() throws IOException {
    api.cancel(session, "abort of the upload of '" + key() + "'");
  }

  private static MaintenanceException invalid(UploadState state, String problem) {
    return new MaintenanceException(ErrorCode.INVALID_REQUEST, "upload state for '" + state.key() + "' " + problem,
        Map.of("key", state.key(), "sessionId", state.sessionId()));
  }
}
