package io.maintenance.datastore.falkordb.internal;

/** An artifact that is readable but not a valid graph export (becomes {@code INCOMPATIBLE_ARTIFACT}). */
public final class ArtifactFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ArtifactFormatException(String message) {
    super(message);
  }
}
