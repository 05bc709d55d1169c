package io.maintenance.spi;

import java.io.IOException;

/**
 * One object being written, in chunks that become durable one after another.
 *
 * <p>Resuming: an upload obtained from {@link StorageProvider#resumeUpload} is fed the source
 * <em>from its first byte</em> again. The bytes up to {@link #committedBytes()} are checked against the
 * recorded chunk digests and not sent again; a source that differs fails with
 * {@code INTEGRITY_MISMATCH}. Transmission restarts at the committed offset.
 *
 * <p>Nothing is visible under the key until {@link #complete()} returns. Use
 * {@link io.maintenance.spi.support.ChunkedUpload} to implement this.
 */
public interface Upload extends AutoCloseable {
  String key();

  /** Bytes durable on the provider's side (a multiple of the chunk size until completion). */
  long committedBytes();

  /** The state to persist for a resume. */
  UploadState state();

  void write(byte[] buffer, int offset, int length) throws IOException;

  /** Sends what is buffered and makes the object visible under its key, atomically. */
  ObjectInfo complete() throws IOException;

  /** Discards everything written; the key is left as it was. Idempotent. */
  void abort() throws IOException;

  /** Aborts unless completed. */
  @Override
  void close() throws IOException;
}
