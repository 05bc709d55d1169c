package io.maintenance.api;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The rules every entry point applies to what callers send (the request records, the engine's id
 * parameters, the admin routes): identifiers and labels without control characters and within a
 * length, so that nothing unprintable reaches the catalog, the logs or the audit trail. A violation is
 * {@link ErrorCode#INVALID_REQUEST} with a {@code pointer} detail naming the field (JSON-pointer style,
 * e.g. {@code /labels/reason}).
 */
public final class Inputs {
  /** Longest id the engine issues or accepts (backup, restore request, task). */
  public static final int MAX_ID = 128;
  /** Longest name (datastore id, resource name, label or option key). */
  public static final int MAX_NAME = 1024;
  /** Longest free text (label or option value, approval comment). */
  public static final int MAX_TEXT = 4096;
  /** Most labels or options one request may carry. */
  public static final int MAX_ENTRIES = 64;

  private Inputs() {}

  /** An id such as {@code bk-20261126-083100-3f9a2c1b}: letters, digits and {@code . _ : -}, starting with a letter or digit. */
  public static String id(String pointer, @Nullable String value) {
    value = require(pointer, value);
    if (value.isEmpty() || value.length() > MAX_ID) {
      throw invalid(pointer, "must be 1 to " + MAX_ID + " characters", value);
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = c < 0x80 && (Character.isLetterOrDigit(c) || (i > 0 && (c == '.' || c == '_' || c == ':' || c == '-')));
      if (!ok) {
        throw invalid(pointer, "may hold only letters, digits and . _ : - (found " + describe(c) + " at index " + i + ")", value);
      }
    }
    return value;
  }

  /** A name (datastore id, resource, label or option key): not empty, printable, at most {@link #MAX_NAME} characters. */
  public static String name(String pointer, @Nullable String value) {
    value = require(pointer, value);
    if (value.isEmpty()) {
      throw invalid(pointer, "must not be empty", value);
    }
    return printable(pointer, value, MAX_NAME, false);
  }

  /** A value (label or option value): printable, at most {@link #MAX_TEXT} characters, may be empty. */
  public static String text(String pointer, @Nullable String value) {
    value = require(pointer, value);
    return printable(pointer, value, MAX_TEXT, false);
  }

  /** A comment: like {@link #text} but tab and line feed are allowed. */
  public static String comment(String pointer, @Nullable String value) {
    value = require(pointer, value);
    return printable(pointer, value, MAX_TEXT, true);
  }

  /** Checks a map of labels or options: at most {@link #MAX_ENTRIES} entries, each key a name and each value a text. */
  public static Map<String, String> entries(String pointer, @Nullable Map<String, String> entries) {
    if (entries == null) {
      throw invalid(pointer, "must not be null", null);
    }
    if (entries.size() > MAX_ENTRIES) {
      throw invalid(pointer, "has " + entries.size() + " entries; at most " + MAX_ENTRIES + " are allowed", null);
    }
    entries.forEach((k, v) -> {
      name(pointer, k);
      text(pointer + "/" + k, v);
    });
    return entries;
  }

  /** The value with every control character, lone surrogate and backslash escaped ({@code \\u0000}), for logs and messages. */
  public static @Nullable String escape(@Nullable String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder sb = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean bad = isControl(c) || c == '\\' || isLoneSurrogate(value, i);
      if (bad && sb == null) {
        sb = new StringBuilder(value.length() + 16).append(value, 0, i);
      }
      if (sb != null) {
        if (bad) {
          sb.append(c == '\\' ? "\\\\" : String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
    }
    return sb == null ? value : sb.toString();
  }

  private static String printable(String pointer, String value, int max, boolean allowLines) {
    if (value.length() > max) {
      throw invalid(pointer, "is longer than " + max + " characters", value.substring(0, 40) + "...");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (isControl(c) && !(allowLines && (c == '\t' || c == '\n'))) {
        throw invalid(pointer, "contains the control character " + describe(c) + " at index " + i, value);
      }
      if (isLoneSurrogate(value, i)) {
        throw invalid(pointer, "contains an unpaired surrogate at index " + i, value);
      }
    }
    return value;
  }

  private static String require(String pointer, @Nullable String value) {
    if (value == null) {
      throw invalid(pointer, "is required", null);
    }
    return value;
  }

  private static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c < 0xa0);
  }

  private static boolean isLoneSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }

  private static String describe(char c) {
    return String.format("U+%04X", (int) c);
  }

  private static MaintenanceException invalid(String pointer, String problem, @Nullable String value) {
    String shown = value == null ? "" : " (was '" + escape(value) + "')";
    return new MaintenanceException(ErrorCode.INVALID_REQUEST, "'" + pointer + "' " + problem + shown, Map.of("pointer", pointer));
  }
}
