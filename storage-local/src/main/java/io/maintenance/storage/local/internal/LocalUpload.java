package io.maintenance.storage.local.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.support.ChunkedUpload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * A crash-safe upload into a temporary file: every chunk is written at its offset and fsynced before
 * it counts; completion fsyncs, renames atomically over the target and fsyncs the directory.
 */
public final class LocalUpload extends ChunkedUpload {
  public static final String TEMP_FILE = "tempFile";

  private final Path target;
  private final Path temp;
  private final Path root;
  private final boolean fsync;
  private final Executor executor;
  private FileChannel channel;

  private LocalUpload(String key, Path target, Path temp, Path root, int chunkSize, boolean fsync, Executor executor,
      UploadOptions options, Optional<UploadState> resume) {
    super("local", key, chunkSize, options, resume);
    this.target = target;
    this.temp = temp;
    this.root = root;
    this.fsync = fsync;
    this.executor = executor;
  }

  public static LocalUpload start(String key, Path target, Path temp, Path root, int chunkSize, boolean fsync,
      Executor executor, UploadOptions options) throws IOException {
    LocalUpload u = new LocalUpload(key, target, temp, root, chunkSize, fsync, executor, options, Optional.empty());
    u.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    u.attribute(TEMP_FILE, temp.getFileName().toString());
    if (fsync) {
      fsyncDirectory(temp.getParent());
    }
    u.checkpoint();
    return u;
  }

  public static LocalUpload resume(UploadState state, Path target, Path temp, Path root, boolean fsync, Executor executor,
      UploadOptions options) throws IOException {
    LocalUpload u = new LocalUpload(state.key(), target, temp, root, (int) state.chunkSize(), fsync, executor, options,
        Optional.of(state));
    try {
      u.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
    } catch (NoSuchFileException e) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, "cannot resume upload of '" + state.key()
          + "': its temporary file is gone (aborted or swept)", Map.of("key", state.key()));
    }
    if (u.channel.size() < state.committedBytes()) {
      u.channel.close();
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "cannot resume upload of '" + state.key()
          + "': the temporary file holds less than the committed " + state.committedBytes() + " bytes", Map.of("key", state.key()));
    }
    // Bytes after the last checkpoint were never acknowledged; drop them.
    u.channel.truncate(state.committedBytes());
    return u;
  }

  /**
   * Writing and fsyncing chunks overlaps with the caller filling (and hashing) the next; several fsyncs in
   * flight let the file system batch them (measured: 4 in flight writes 1 GiB about 30% faster than 1).
   */
  @Override
  protected int parallelism() {
    return 4;
  }

  @Override
  protected Executor executor() {
    return executor;
  }

  @Override
  protected void commitChunk(int index, long offset, byte[] data, int length, boolean last) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(data, 0, length);
    long pos = offset;
    while (buf.hasRemaining()) {
      pos += channel.write(buf, pos);
    }
    if (fsync && !last) {
      channel.force(false);
    }
  }

  @Override
  protected ObjectInfo finish(long totalBytes) throws IOException {
    if (fsync) {
      channel.force(true);
    }
    channel.close();
    Files.createDirectories(target.getParent());
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "storage local: " + root + " does not support atomic renames", e);
    }
    if (fsync) {
      fsyncDirectory(target.getParent());
      // New directories must be durable in their parents too.
      for (Path d = target.getParent(); d != null && !d.equals(root) && d.startsWith(root); d = d.getParent()) {
        fsyncDirectory(d.getParent());
      }
    }
    BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class);
    return new ObjectInfo(key(), a.size(), a.lastModifiedTime().toInstant(), Optional.of(versionOf(a)));
  }

  @Override
  protected void discard() throws IOException {
    if (channel != null) {
      channel.close();
    }
    Files.deleteIfExists(temp);
  }

  /** Makes a directory's entries (new, renamed or deleted files) durable. */
  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Identity of one written file: inode (a completed upload is a new file), size and mtime. */
  public static String versionOf(BasicFileAttributes a) {
    Object fileKey = a.fileKey();
    String inode = fileKey == null ? "" : Integer.toHexString(fileKey.toString().hashCode());
    return inode + "-" + a.size() + "-" + a.lastModifiedTime().toMillis();
  }
}
