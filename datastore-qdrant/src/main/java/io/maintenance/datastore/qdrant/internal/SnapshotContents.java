package io.maintenance.datastore.qdrant.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * What a dry run learns from a collection snapshot without unpacking it: the snapshot is a tar archive
 * holding the collection's {@code config.json}, the {@code version.info} of the Qdrant that wrote it and
 * one directory per shard. The archive is read as a stream, to its last byte, so that the caller's
 * verifying stream checks size and SHA-256 too.
 */
public record SnapshotContents(JsonNode config, Optional<String> version, long entries) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SMALL_FILE_LIMIT = 1 << 20;

  public static SnapshotContents read(String artifact, InputStream raw) throws IOException {
    JsonNode config = null;
    String version = null;
    long entries = 0;
    TarArchiveInputStream tar = new TarArchiveInputStream(raw);
    try {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        entries++;
        String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        if (name.equals("config.json") && e.isFile() && e.getSize() <= SMALL_FILE_LIMIT) {
          config = JSON.readTree(new String(tar.readAllBytes(), StandardCharsets.UTF_8));
        } else if (name.equals("version.info") && e.isFile() && e.getSize() <= SMALL_FILE_LIMIT) {
          version = new String(tar.readAllBytes(), StandardCharsets.UTF_8).trim();
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
    if (config == null || !config.path("params").isObject()) {
      throw incompatible(artifact, "has no collection config.json; it is not a Qdrant collection snapshot");
    }
    return new SnapshotContents(config, Optional.ofNullable(version).filter(v -> !v.isEmpty()), entries);
  }

  private static MaintenanceException incompatible(String artifact, String problem) {
    return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "snapshot artifact '" + artifact + "' " + problem,
        Map.of("artifact", artifact));
  }
}
