package io.maintenance.datastore.qdrant.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Collection names: validation (they come from artifacts too), URL path segments and artifact names. */
public final class Names {
  public static final String SNAPSHOT_SUFFIX = ".snapshot";
  public static final String META_SUFFIX = ".qdrant.json";
  private static final String FORBIDDEN = "<>:\"/\\|?*";

  private Names() {}

  /** Qdrant's own rules for collection and alias names: 1..255 bytes, no path or shell metacharacters, no control characters. */
  public static String collection(String name) {
    if (name == null || name.isEmpty()) {
      throw invalid(String.valueOf(name), "is empty");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > 255) {
      throw invalid(name, "is longer than 255 bytes");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || FORBIDDEN.indexOf(c) >= 0) {
        throw invalid(name, "contains the forbidden character at index " + i);
      }
    }
    return name;
  }

  /** Percent-encodes everything but unreserved characters, for URL paths and storage segments alike. */
  public static String encode(String name) {
    StringBuilder sb = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }

  public static String snapshotArtifact(String collection) {
    return encode(collection) + SNAPSHOT_SUFFIX;
  }

  /** {@code <collection>~shard-<n>.snapshot}: the {@code ~} never appears in an encoded name, so no collection's artifact collides. */
  public static String shardArtifact(String collection, int shard) {
    return encode(collection) + "~shard-" + shard + SNAPSHOT_SUFFIX;
  }

  public static String metaArtifact(String collection) {
    return encode(collection) + META_SUFFIX;
  }

  private static MaintenanceException invalid(String name, String problem) {
    String shown = name.replaceAll("\\p{Cntrl}", "?");
    return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT,
        "collection name '" + shown + "' " + problem, Map.of("collection", shown));
  }
}
