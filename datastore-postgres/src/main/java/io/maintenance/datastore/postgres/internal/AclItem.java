package io.maintenance.datastore.postgres.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One entry of an ACL as PostgreSQL prints {@code aclitem}: {@code grantee=privileges/grantor}, an empty
 * grantee meaning PUBLIC, a {@code *} after a privilege letter meaning WITH GRANT OPTION. Parsed here
 * because the server offers no function that turns an ACL back into GRANT statements (pg_dump does it
 * in C too); {@code aclexplode} would lose the order of the entries.
 */
record AclItem(String grantee, String privileges) {
  private static final Map<Character, String> NAMES = Map.ofEntries(
      Map.entry('r', "SELECT"), Map.entry('w', "UPDATE"), Map.entry('a', "INSERT"), Map.entry('d', "DELETE"),
      Map.entry('D', "TRUNCATE"), Map.entry('x', "REFERENCES"), Map.entry('t', "TRIGGER"), Map.entry('X', "EXECUTE"),
      Map.entry('U', "USAGE"), Map.entry('C', "CREATE"), Map.entry('c', "CONNECT"), Map.entry('T', "TEMPORARY"),
      Map.entry('m', "MAINTAIN"), Map.entry('s', "SET"), Map.entry('A', "ALTER SYSTEM"));

  /** Every privilege of an object type, as the owner holds them by default (PostgreSQL 15). */
  private static final Map<String, String> ALL = Map.of(
      "r", "arwdDxt", "s", "rwU", "f", "X", "n", "UC", "T", "U", "S", "rwU");

  static List<AclItem> parse(String acl) {
    List<AclItem> out = new ArrayList<>();
    String s = acl.trim();
    if (s.startsWith("{")) {
      s = s.substring(1, s.length() - 1);
    }
    int i = 0;
    while (i < s.length()) {
      String item;
      if (s.charAt(i) == '"') {
        // An array element in quotes: backslash escapes inside.
        StringBuilder sb = new StringBuilder();
        i++;
        while (s.charAt(i) != '"') {
          if (s.charAt(i) == '\\') {
            i++;
          }
          sb.append(s.charAt(i++));
        }
        i++;
        item = sb.toString();
      } else {
        int end = s.indexOf(',', i);
        end = end < 0 ? s.length() : end;
        item = s.substring(i, end);
        i = end;
      }
      if (i < s.length() && s.charAt(i) == ',') {
        i++;
      }
      out.add(parseItem(item));
    }
    return out;
  }

  private static AclItem parseItem(String item) {
    int eq = findEquals(item);
    String grantee = unquote(item.substring(0, eq));
    String rest = item.substring(eq + 1);
    int slash = rest.lastIndexOf('/');
    return new AclItem(grantee, slash < 0 ? rest : rest.substring(0, slash));
  }

  /** The '=' that ends the grantee, skipping a quoted name. */
  private static int findEquals(String item) {
    boolean quoted = false;
    for (int i = 0; i < item.length(); i++) {
      char ch = item.charAt(i);
      if (ch == '"') {
        quoted = !quoted;
      } else if (ch == '=' && !quoted) {
        return i;
      }
    }
    throw new IllegalArgumentException("not an aclitem");
  }

  private static String unquote(String name) {
    if (name.startsWith("\"") && name.endsWith("\"") && name.length() >= 2) {
      return name.substring(1, name.length() - 1).replace("\"\"", "\"");
    }
    return name;
  }

  String granteeSql() {
    return grantee.isEmpty() ? "PUBLIC" : Sql.quote(grantee);
  }

  /**
   * The GRANT lists of this entry for an object of {@code type} (r table, s sequence, f function, n
   * schema, T type, c column): {@code ALL} when it holds every privilege the type has, so that a newer
   * server (which may know more privileges) grants all of its own. A trailing {@code *} marks a list held
   * WITH GRANT OPTION.
   */
  List<String> grants(String type) {
    StringBuilder plain = new StringBuilder();
    StringBuilder option = new StringBuilder();
    for (int i = 0; i < privileges.length(); i++) {
      char p = privileges.charAt(i);
      boolean star = i + 1 < privileges.length() && privileges.charAt(i + 1) == '*';
      (star ? option : plain).append(p);
      if (star) {
        i++;
      }
    }
    List<String> out = new ArrayList<>();
    if (plain.length() > 0) {
      out.add(names(plain.toString(), type));
    }
    if (option.length() > 0) {
      out.add(names(option.toString(), type) + "*");
    }
    return out;
  }

  private static String names(String letters, String type) {
    String all = ALL.get(type);
    if (all != null && letters.length() >= all.length() && all.chars().allMatch(ch -> letters.indexOf(ch) >= 0)) {
      return "ALL";
    }
    List<String> names = new ArrayList<>();
    for (char ch : letters.toCharArray()) {
      String n = NAMES.get(ch);
      if (n == null) {
        throw new IllegalArgumentException("unknown privilege '" + ch + "'");
      }
      names.add(n);
    }
    return String.join(", ", names);
  }
}
