package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Identifier quoting and naming rules shared by backup, plan and restore. */
public final class Sql {
  /** PostgreSQL truncates identifiers longer than NAMEDATALEN - 1 bytes; we reject them instead. */
  static final int MAX_IDENTIFIER_BYTES = 63;

  private Sql() {}

  /** A double-quoted identifier; rejects what PostgreSQL could not store as a name. */
  public static String quote(String identifier) {
    return "\"" + checkIdentifier(identifier, "identifier").replace("\"", "\"\"") + "\"";
  }

  public static String qualified(String schema, String table) {
    return quote(schema) + "." + quote(table);
  }

  /** Validates a name read from an artifact or config; {@code INCOMPATIBLE_ARTIFACT} if it cannot be a name. */
  public static String checkIdentifier(String identifier, String what) {
    if (identifier == null || identifier.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, what + " must not be empty");
    }
    if (identifier.indexOf('\0') >= 0) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, what + " contains a NUL character");
    }
    if (identifier.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT,
          what + " is longer than " + MAX_IDENTIFIER_BYTES + " bytes", Map.of("name", printable(identifier)));
    }
    return identifier;
  }

  /** The resource name users see: {@code schema.table}, unquoted. */
  public static String resourceName(String schema, String table) {
    return schema + "." + table;
  }

  /**
   * The storage-safe base name of a table's artifacts: {@code <schema>.<table>} with every byte outside
   * {@code [A-Za-z0-9_-]} percent-encoded, so that dots, slashes and quotes in names stay unambiguous.
   */
  public static String artifactBase(String schema, String table) {
    return encode(schema) + "." + encode(table);
  }

  static String encode(String name) {
    StringBuilder sb = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }

  /** A name safe to show in messages (control characters replaced). */
  public static String printable(String s) {
    return s.replaceAll("\\p{Cntrl}", "?");
  }

  /** A SQL string literal (standard_conforming_strings, which every supported server has on). */
  public static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}
