package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.RestoreContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading one artifact of a graph through the verifying source, with failures that name the graph. */
final class ArtifactReads {
  private ArtifactReads() {}

  @FunctionalInterface
  interface ArtifactReader {
    void read(InputStream in) throws IOException;
  }

  /**
   * Streams an artifact into a reader. The source verifies size and SHA-256 only at the end of the
   * stream, so callers apply nothing live before this returns. Failures name the graph.
   */
  static void read(RestoreContext ctx, String graph, String name, ArtifactReader reader) throws IOException {
    if (ctx.artifacts().find(name).isEmpty()) {
      throw new MaintenanceException(ErrorCode.ARTIFACT_MISSING, "graph '" + graph + "': artifact '" + name + "' is not in the backup",
          Map.of("graph", graph, "artifact", name));
    }
    InputStream in;
    try {
      in = ctx.artifacts().open(name);
    } catch (MaintenanceException e) {
      throw about(graph, e);
    }
    try {
      reader.read(in);
      if (in.read() >= 0) {
        throw new ArtifactFormatException("data after the end");
      }
      in.close();
    } catch (MaintenanceException e) {
      MaintenanceException verdict = closeForVerdict(in);
      throw about(graph, verdict != null && e.code() != ErrorCode.INTEGRITY_MISMATCH ? verdict : e);
    } catch (ArtifactFormatException | IOException | UncheckedIOException | ClassCastException e) {
      // A damaged artifact usually fails to parse before its checksum is known: prefer the checksum's verdict.
      MaintenanceException verdict = closeForVerdict(in);
      if (verdict != null) {
        throw about(graph, verdict);
      }
      if (e instanceof UncheckedIOException u && u.getMessage().contains("node id map")) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, u.getMessage(), u);
      }
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "graph '" + graph + "': artifact '" + name
          + "' is not a valid graph " + (name.endsWith(".ndjson") ? "export" : "backup") + ": " + e.getMessage(),
          Map.of("graph", graph, "artifact", name), e);
    }
  }

  /** Reads what is left and closes, returning the integrity failure if there is one. */
  private static MaintenanceException closeForVerdict(InputStream in) {
    try {
      byte[] buf = new byte[64 * 1024];
      while (in.read(buf) >= 0) {
        // draining so that the source checks size and SHA-256
      }
    } catch (MaintenanceException e) {
      try {
        in.close();
      } catch (IOException | RuntimeException ignored) {
        // already failed
      }
      return e.code() == ErrorCode.INTEGRITY_MISMATCH ? e : null;
    } catch (IOException | RuntimeException e) {
      // undecodable; the close below still tells whether the stored bytes are intact
    }
    try {
      in.close();
      return null;
    } catch (MaintenanceException e) {
      return e.code() == ErrorCode.INTEGRITY_MISMATCH ? e : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static MaintenanceException about(String graph, MaintenanceException e) {
    if (e.details().containsKey("graph")) {
      return e;
    }
    Map<String, String> details = new LinkedHashMap<>(e.details());
    details.put("graph", graph);
    return new MaintenanceException(e.code(), "graph '" + graph + "': " + e.getMessage(), details, e);
  }
}
