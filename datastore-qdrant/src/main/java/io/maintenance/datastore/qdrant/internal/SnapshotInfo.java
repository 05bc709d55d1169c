package io.maintenance.datastore.qdrant.internal;

import java.util.Objects;
import java.util.Optional;

/** A server-side snapshot as Qdrant describes it ({@code SnapshotDescription}). */
public record SnapshotInfo(String name, long size, Optional<String> checksum) {
  public SnapshotInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(checksum, "checksum");
  }
}
