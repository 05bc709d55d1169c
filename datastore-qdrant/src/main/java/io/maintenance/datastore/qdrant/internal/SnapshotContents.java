package io.maintenance.datastore.qdrant.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * What a dry run learns from a snapshot without unpacking it. A collection snapshot is a tar archive
 * holding the collection's {@code config.json}, a {@code version.info} (the version of Qdrant's internal
 * collection format, {@code 0.4.2} in every release from 1.15 to 1.19, not the Qdrant release) and one
 * directory per local shard; a shard snapshot holds the shard's {@code shard_config.json}, segments and
 * WAL. WAL files are GNU sparse entries. The archive is read as a stream, every entry to its end, so the
 * caller's verifying stream checks size and SHA-256 too.
 */
public record SnapshotContents(long entries) {
  private static final int BUFFER = 256 * 1024;

  public static SnapshotContents read(String artifact, boolean shard, InputStream raw) throws IOException {
    String required = shard ? "shard_config.json" : "config.json";
    boolean found = false;
    long entries = 0;
    TarArchiveInputStream tar = new TarArchiveInputStream(new FullReads(raw));
    byte[] skip = new byte[BUFFER];
    try {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        entries++;
        String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        found |= name.equals(required) && e.isFile();
        // Read each entry rather than let the reader skip it: skipping a sparse entry by its expanded
        // size runs past the end of a stream that, unlike a file, cannot seek beyond it.
        while (tar.read(skip) >= 0) {
          // drained
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      if (e instanceof MaintenanceException me) {
        throw me;
      }
      throw incompatible(artifact, "is not a readable tar archive: " + e.getMessage());
    }
    // The tar reader stops at the end-of-archive marker; the padding after it is still part of the artifact.
    raw.transferTo(OutputStream.nullOutputStream());
    if (entries == 0) {
      throw incompatible(artifact, "is an empty archive");
    }
    if (!found) {
      throw incompatible(artifact, "has no " + required + "; it is not a Qdrant " + (shard ? "shard" : "collection")
          + " snapshot");
    }
    return new SnapshotContents(entries);
  }

  /**
   * Answers every read in full (short only at the end). commons-compress 1.28 reports "Truncated TAR
   * archive" for a GNU sparse entry whose stored bytes arrive in short reads, as they do from a network
   * or storage stream; Qdrant writes its WAL files as such entries.
   */
  private static final class FullReads extends FilterInputStream {
    FullReads(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.readNBytes(b, off, len);
      return n == 0 && len > 0 ? -1 : n;
    }
  }

  private static MaintenanceException incompatible(String artifact, String problem) {
    return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "snapshot artifact '" + artifact + "' " + problem,
        Map.of("artifact", artifact));
  }
}
