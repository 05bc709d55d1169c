package io.maintenance.datastore.qdrant;

import java.util.Locale;

/**
 * What the fingerprint of a collection reads besides exact count, config and aliases: nothing, every
 * point's id and payload, or id, payload and vectors. The fingerprint is what a restore's confirm
 * compares with its preview, so this decides which edits between the two are noticed.
 */
public enum DriftCheck {
  /** Exact count, config and aliases only: payload-only and vector-only edits go unnoticed. */
  COUNTS,
  /** Also a digest of every point's id and payload (one scroll without vectors). */
  PAYLOADS,
  /** Also a digest of every point's id, payload and vectors (one scroll with vectors). */
  POINTS;

  public static DriftCheck parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("must be counts, payloads or points, was '" + text + "'");
    }
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
