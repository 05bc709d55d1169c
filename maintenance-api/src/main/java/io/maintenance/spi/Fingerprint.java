package io.maintenance.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A cheap summary of a datastore's live data, used to detect that the target changed between a
 * restore's preview and its confirm. {@code components} say what was summarised (one entry per table,
 * graph or collection) so that a mismatch can name what changed.
 */
public record Fingerprint(String value, Map<String, String> components) {
  public Fingerprint {
    Objects.requireNonNull(value, "value");
    components = Map.copyOf(components);
  }

  /** A fingerprint whose value is the SHA-256 of the sorted components. */
  public static Fingerprint of(Map<String, String> components) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(components).forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    // SHA-256 here rather than through spi.support.Digests, so that the SPI does not depend on its helpers.
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
      return new Fingerprint(HexFormat.of().formatHex(digest), components);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
