package io.maintenance.datastore.qdrant.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ArtifactOptions;
import io.maintenance.spi.BackupContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-side snapshots during one backup: made on one node, found in that node's listing, streamed into
 * storage and deleted. Every call of one snapshot goes to the same node, so a load balancer in front of
 * a cluster cannot send the download to a node that does not have the file.
 */
final class ServerSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(ServerSnapshots.class);
  private static final int BUFFER = 256 * 1024;
  private static final int READ_AHEAD_BLOCK = 1 << 20;
  private static final int READ_AHEAD_DEPTH = 4;

  private final QdrantSettings settings;
  /** Nodes seen to list snapshots without checksums (S3 snapshot storage): no need to wait for one again. */
  private final Set<URI> withoutChecksums = new HashSet<>();

  ServerSnapshots(QdrantSettings settings) {
    this.settings = settings;
  }

  /**
   * Starts a snapshot without holding a request open ({@code wait=false}) and polls the node's listing
   * until it appears. Qdrant 1.18 moves the snapshot into place before its {@code .checksum} file, so a
   * listed snapshot may lack its checksum for a moment: the listing is read again until it has one, for
   * up to {@code checksum-wait}. A node that still lists none keeps no checksums (S3 snapshot storage).
   */
  SnapshotInfo create(RestClient node, SnapshotScope scope) throws IOException {
    Set<String> before = new TreeSet<>();
    node.listSnapshots(scope).forEach(s -> before.add(s.name()));
    Optional<SnapshotInfo> immediate = node.startSnapshot(scope);
    Instant deadline = Instant.now().plus(settings.snapshotTimeout());
    Instant checksumDeadline = null;
    while (true) {
      for (SnapshotInfo s : node.listSnapshots(scope)) {
        if (!immediate.map(i -> i.name().equals(s.name())).orElse(!before.contains(s.name()))) {
          continue;
        }
        if (s.checksum().isPresent() || withoutChecksums.contains(node.url())) {
          return s;
        }
        if (checksumDeadline == null) {
          checksumDeadline = Instant.now().plus(settings.checksumWait());
        } else if (Instant.now().isAfter(checksumDeadline)) {
          LOG.warn("Qdrant at {} lists snapshots without a checksum (S3 snapshot storage?); the downloads of {} are checked"
              + " by size, and their SHA-256 is the plugin's own", node.url(), scope);
          withoutChecksums.add(node.url());
          return s;
        }
      }
      if (Instant.now().isAfter(deadline)) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "the snapshot of " + scope
            + " was not listed within " + settings.snapshotTimeout(), Map.of("collection", scope.collection()));
      }
      pause(scope);
    }
  }

  /** A snapshot as stored: the bytes Qdrant sent and their SHA-256. */
  record Stored(long size, String sha256) {}

  /**
   * Streams the snapshot from the node into storage as {@code artifact} and checks its size and SHA-256
   * (which the sink computes on the way, so the bytes are hashed once) against what Qdrant reported. The
   * artifact is created precompressed: a snapshot archive is stored as Qdrant wrote it (encrypted if the
   * engine encrypts), and its SHA-256 as written is recorded, the checksum Qdrant checks on recovery. A
   * mismatch fails the backup; the artifact then belongs to a failed backup and is cleaned up with it.
   */
  Stored download(BackupContext ctx, RestClient node, SnapshotScope scope, SnapshotInfo snapshot, String artifact)
      throws IOException {
    Progress progress = new Progress(ctx.progress(), scope + ": snapshot download", snapshot.size());
    long total = 0;
    try (InputStream in = new ReadAheadInputStream(node.download(scope, snapshot.name()), READ_AHEAD_BLOCK, READ_AHEAD_DEPTH,
        "qdrant-download")) {
      OutputStream out = ctx.artifacts().create(artifact, "application/x-tar", ArtifactOptions.PRECOMPRESSED);
      byte[] buf = new byte[BUFFER];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        total += n;
        progress.at(total);
      }
      out.close();
    }
    ArtifactInfo stored = ctx.artifacts().completed().stream().filter(a -> a.name().equals(artifact))
        .reduce((a, b) -> b).orElseThrow();
    String sha256 = stored.contentSha256().orElseThrow(() -> new IllegalStateException(
        "the artifact sink recorded no content SHA-256 for precompressed artifact " + artifact));
    boolean sizeOk = total == snapshot.size();
    boolean shaOk = snapshot.checksum().map(sha256::equals).orElse(true);
    if (!sizeOk || !shaOk) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "snapshot '" + snapshot.name() + "' of " + scope
          + " arrived with " + total + " bytes and SHA-256 " + sha256 + "; Qdrant reported "
          + snapshot.size() + " bytes and " + snapshot.checksum().orElse("no checksum"),
          Map.of("collection", scope.collection(), "expectedSha256", snapshot.checksum().orElse(""),
              "actualSha256", sha256));
    }
    return new Stored(total, sha256);
  }

  /** Deletes a server-side snapshot; a failure only costs the server disk, so it is logged. */
  void delete(RestClient node, SnapshotScope scope, SnapshotInfo snapshot) {
    try {
      node.deleteSnapshot(scope, snapshot.name());
    } catch (IOException e) {
      LOG.warn("could not delete server-side snapshot '{}' of {} on {}: {}", snapshot.name(), scope, node.url(),
          e.getMessage());
    }
  }

  private void pause(SnapshotScope scope) throws InterruptedIOException {
    try {
      Thread.sleep(settings.pollInterval().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the snapshot of " + scope);
    }
  }
}
