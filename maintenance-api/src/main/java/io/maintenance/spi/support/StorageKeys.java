package io.maintenance.spi.support;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Validation of storage keys, shared by every provider so that all of them reject the same keys.
 * A key is a relative {@code /}-separated path of non-empty segments without {@code .}/{@code ..},
 * backslashes or control characters, at most 1024 UTF-8 bytes.
 */
public final class StorageKeys {
  public static final int MAX_KEY_BYTES = 1024;

  private StorageKeys() {}

  /** Returns the key if it is safe, else throws {@code INVALID_REQUEST}. */
  public static String validate(String key) {
    if (key == null || key.isEmpty()) {
      throw invalid(String.valueOf(key), "must not be empty");
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw invalid(key, "is longer than " + MAX_KEY_BYTES + " bytes");
    }
    if (key.startsWith("/")) {
      throw invalid(key, "must be relative (no leading '/')");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        throw invalid(key, "contains a control character at index " + i);
      }
      if (c == '\\') {
        throw invalid(key, "contains a backslash");
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        throw invalid(key, "has an empty segment");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw invalid(key, "has a '" + segment + "' segment");
      }
    }
    return key;
  }

  /** Validates a single segment (an artifact name): a valid key without {@code /}. */
  public static String segment(String name) {
    validate(name);
    if (name.indexOf('/') >= 0) {
      throw invalid(name, "must be a single segment (no '/')");
    }
    return name;
  }

  /** A listing prefix: empty, or a valid key optionally ending in {@code /}. */
  public static String prefix(String prefix) {
    if (prefix == null) {
      throw invalid("null", "prefix must not be null");
    }
    if (prefix.isEmpty()) {
      return prefix;
    }
    validate(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
    return prefix;
  }

  /** Joins validated segments or sub-paths with {@code /}, skipping empty parts. */
  public static String join(String... parts) {
    StringBuilder sb = new StringBuilder();
    for (String p : parts) {
      if (p == null || p.isEmpty()) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(p);
    }
    return validate(sb.toString());
  }

  private static MaintenanceException invalid(String key, String problem) {
    String shown = key.replaceAll("\\p{Cntrl}", "?");
    return new MaintenanceException(
        ErrorCode.INVALID_REQUEST, "storage key '" + shown + "' " + problem, Map.of("key", shown));
  }
}
