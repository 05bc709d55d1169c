package io.maintenance.spi;

import io.maintenance.api.ProbeResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A place to keep backup artifacts: one portable API over a file system or an object store.
 *
 * <p>Keys are {@code /}-separated relative paths; every method rejects unsafe keys with
 * {@code INVALID_REQUEST} (see {@link io.maintenance.spi.support.StorageKeys}). Data is streamed:
 * nothing here may hold a whole object in memory. Implementations must pass
 * {@code io.maintenance.tck.StorageProviderContract}.
 */
public interface StorageProvider extends AutoCloseable {

  /** The provider name, e.g. {@code local}, {@code s3}, {@code gcs}; used as a metrics tag. */
  String name();

  /** Starts writing a new object. */
  Upload startUpload(String key, UploadOptions options) throws IOException;

  /** Continues an upload from a state some {@link UploadOptions#checkpoint} received (possibly in another process). */
  Upload resumeUpload(UploadState state, UploadOptions options) throws IOException;

  /** Gives up an upload that will not be resumed, releasing what the provider holds for it. Idempotent. */
  void abortUpload(UploadState state) throws IOException;

  /** Streams an object or a range of it; {@code NoSuchFileException} if it does not exist. */
  InputStream openRead(ReadRequest request) throws IOException;

  /** Size and version of an object, if it exists. */
  Optional<ObjectInfo> stat(String key) throws IOException;

  /**
   * Objects whose key starts with {@code prefix}, in key order, fetched page by page as the stream is
   * consumed. The caller closes the stream.
   */
  Stream<ObjectInfo> list(String prefix) throws IOException;

  /** Deletes an object; returns false if it was not there. */
  boolean delete(String key) throws IOException;

  /** Checks that the storage is reachable and writable, with a structured code when it is not. */
  ProbeResult probe();

  /**
   * Entries under {@code prefix} that are not objects and that {@link #list} therefore skips (symbolic
   * links, devices, sockets in a directory), so that the orphan sweep can report them. They are never
   * followed, read or deleted. Empty for providers that store only objects.
   */
  default List<String> irregularEntries(String prefix) throws IOException {
    return List.of();
  }

  /**
   * Removes partial uploads that none of the {@code known} states describes and that were last written
   * before {@code staleBefore}: what a process left when it died before its upload session was recorded.
   * Returns a description of each one removed (or, with {@code dryRun}, that would be). Providers that
   * cannot list partial uploads return nothing (and should document how they expire them instead).
   */
  default List<String> sweepPartialUploads(Collection<UploadState> known, Instant staleBefore, boolean dryRun)
      throws IOException {
    return List.of();
  }

  /** A URL from which the object can be fetched without credentials for {@code ttl}, if supported. */
  default Optional<URI> presignGet(String key, Duration ttl) throws IOException {
    return Optional.empty();
  }

  @Override
  default void close() throws IOException {}
}
