package io.maintenance.datastore.falkordb.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Validated settings of one FalkorDB datastore (built by the public builder or the factory). */
public record Settings(
    String host,
    int port,
    boolean tls,
    int database,
    Optional<String> user,
    Optional<String> password,
    List<String> include,
    List<String> exclude,
    int batchSize,
    int readBatchSize,
    Duration connectTimeout,
    Duration socketTimeout,
    Duration indexTimeout,
    boolean snapshot,
    boolean keepSafetyCopy,
    String reservedPrefix,
    Path tempDir,
    Format format,
    long physicalLimit,
    DumpSource dumpSource) {

  /** How graphs are backed up. */
  public enum Format {
    /** The server's own serialization (DUMP/RESTORE): exact, fast, restorable into the same or a newer FalkorDB. */
    PHYSICAL,
    /** A portable export of every node, edge and value (NDJSON), restorable into other versions. */
    LOGICAL
  }

  /** What fingerprints and the preview's diff DUMP. */
  public enum DumpSource {
    /**
     * A private {@code GRAPH.COPY} of the graph (made in a forked child), deleted afterwards: costs a
     * copy's time and server memory, but no query of another client ever runs beside a DUMP of the live
     * graph (FalkorDB 4.16 unloads the matrices while it DUMPs: such a query reads wrong results or
     * crashes the server).
     */
    COPY,
    /** The live graph itself: faster and no extra memory, but exposed to that race. */
    LIVE
  }

  public Settings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    include = List.copyOf(include);
    exclude = List.copyOf(exclude);
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(socketTimeout, "socketTimeout");
    Objects.requireNonNull(indexTimeout, "indexTimeout");
    Objects.requireNonNull(reservedPrefix, "reservedPrefix");
    Objects.requireNonNull(tempDir, "tempDir");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(dumpSource, "dumpSource");
  }

  @Override
  public String toString() {
    // Never show the password.
    return "Settings[" + host + ":" + port + " db=" + database + " user=" + user.orElse("default") + " tls=" + tls + "]";
  }
}
