package io.maintenance.datastore.postgres.internal;

import java.io.IOException;
import java.io.PushbackReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Replays a legacy plain-SQL dump (as {@code pg_dump -Fp} writes it) statement by statement, streaming:
 * a lexer that knows quotes, E-strings, dollar quotes and comments splits statements, {@code COPY ...
 * FROM stdin} blocks go to the COPY API line by line, psql meta-commands and transaction control are
 * skipped (the caller's transaction is the only one), and {@code setval} calls are handed back to run
 * last because a rollback does not undo them. Memory is bounded by the largest single statement.
 */
final class LegacyScript {
  private static final Pattern COPY_FROM_STDIN =
      Pattern.compile("(?is)^COPY\\s+.+\\s+FROM\\s+stdin\\b.*");
  private static final Pattern TRANSACTION_CONTROL =
      Pattern.compile("(?is)^(BEGIN|COMMIT|END|ROLLBACK|START\\s+TRANSACTION|ABORT)\\b.*");
  private static final Pattern SETVAL = Pattern.compile("(?is)^SELECT\\s+(pg_catalog\\.)?setval\\s*\\(.*");

  /** What a replay did. */
  record Result(long statements, long copiedRows) {}

  private final PushbackReader in;
  private final Connection connection;
  private final List<String> deferred;
  private long statements;
  private long copiedRows;

  /**
   * @param connection where to execute, or null to only parse (the plan's dry run)
   * @param deferred receives the {@code setval} statements, to run after everything else
   */
  private LegacyScript(Reader in, Connection connection, List<String> deferred) {
    this.in = new PushbackReader(in, 64);
    this.connection = connection;
    this.deferred = deferred;
  }

  static Result run(Reader in, Connection connection, List<String> deferred, String artifact) throws IOException, SQLException {
    LegacyScript s = new LegacyScript(in, connection, deferred);
    s.loop(artifact);
    return new Result(s.statements, s.copiedRows);
  }

  private void loop(String artifact) throws IOException, SQLException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      char ch = (char) c;
      if (sb.toString().isBlank() && ch == '\\') {
        skipLine(); // psql meta-command such as \connect or \restrict
        sb.setLength(0);
        continue;
      }
      switch (ch) {
        case '\'' -> quoted(sb, '\'', escapesActive(sb));
        case '"' -> quoted(sb, '"', false);
        case '$' -> dollar(sb);
        case '-' -> {
          int next = in.read();
          if (next == '-') {
            skipLine();
            sb.append('\n');
          } else {
            sb.append(ch);
            unread(next);
          }
        }
        case '/' -> {
          int next = in.read();
          if (next == '*') {
            blockComment();
            sb.append(' ');
          } else {
            sb.append(ch);
            unread(next);
          }
        }
        case ';' -> {
          dispatch(sb.toString().strip(), artifact);
          sb.setLength(0);
        }
        default -> sb.append(ch);
      }
    }
    if (!sb.toString().isBlank()) {
      throw PostgresErrors.artifact(artifact, 0, "the script ends inside a statement (truncated?)");
    }
  }

  private void dispatch(String sql, String artifact) throws IOException, SQLException {
    if (sql.isEmpty() || TRANSACTION_CONTROL.matcher(sql).matches()) {
      return;
    }
    statements++;
    if (COPY_FROM_STDIN.matcher(sql).matches()) {
      skipLine();
      copy(sql, artifact);
    } else if (SETVAL.matcher(sql).matches()) {
      deferred.add(sql);
    } else if (connection != null) {
      try (Statement st = connection.createStatement()) {
        st.execute(sql);
      } catch (SQLException e) {
        throw PostgresErrors.artifact(artifact, 0, "statement " + statements + " failed: " + e.getMessage()
            + " (SQLSTATE " + e.getSQLState() + ")");
      }
    }
  }

  private void copy(String sql, String artifact) throws IOException, SQLException {
    CopyIn copy = null;
    if (connection != null) {
      try {
        copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
      } catch (SQLException e) {
        throw PostgresErrors.load(artifact, e);
      }
    }
    StringBuilder line = new StringBuilder();
    boolean ended = false;
    try {
      while (true) {
        line.setLength(0);
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
          line.append((char) c);
        }
        if (c < 0 && line.length() == 0) {
          throw PostgresErrors.artifact(artifact, copiedRows + 1, "the script ends inside COPY data (no \\. line)");
        }
        if (line.toString().equals("\\.")) {
          break;
        }
        copiedRows++;
        if (copy != null) {
          byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
          copy.writeToCopy(b, 0, b.length);
        }
      }
      if (copy != null) {
        copy.endCopy();
      }
      ended = true;
    } catch (SQLException e) {
      throw PostgresErrors.load(artifact, e);
    } finally {
      if (!ended && copy != null && copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }

  /** E'...' strings treat backslash as an escape; plain ones (standard_conforming_strings) do not. */
  private static boolean escapesActive(StringBuilder sb) {
    int n = sb.length();
    if (n == 0 || Character.toUpperCase(sb.charAt(n - 1)) != 'E') {
      return false;
    }
    return n == 1 || !(Character.isLetterOrDigit(sb.charAt(n - 2)) || sb.charAt(n - 2) == '_');
  }

  private void quoted(StringBuilder sb, char quote, boolean backslashEscapes) throws IOException {
    sb.append(quote);
    int c;
    while ((c = in.read()) >= 0) {
      sb.append((char) c);
      if (backslashEscapes && c == '\\') {
        int next = in.read();
        if (next >= 0) {
          sb.append((char) next);
        }
      } else if (c == quote) {
        int next = in.read();
        if (next == quote) {
          sb.append((char) next); // doubled quote stays inside
        } else {
          unread(next);
          return;
        }
      }
    }
  }

  private void dollar(StringBuilder sb) throws IOException {
    StringBuilder tag = new StringBuilder("$");
    int c;
    while ((c = in.read()) >= 0 && (Character.isLetterOrDigit(c) || c == '_') && tag.length() < 60) {
      tag.append((char) c);
    }
    if (c != '$' || (tag.length() > 1 && Character.isDigit(tag.charAt(1)))) {
      // Not a dollar quote ($1 or a lone $): keep what was read.
      sb.append(tag);
      unread(c);
      return;
    }
    tag.append('$');
    sb.append(tag);
    String end = tag.toString();
    StringBuilder body = new StringBuilder();
    while ((c = in.read()) >= 0) {
      body.append((char) c);
      if (c == '$' && body.length() >= end.length() && body.substring(body.length() - end.length()).equals(end)) {
        sb.append(body);
        return;
      }
    }
    sb.append(body);
  }

  private void skipLine() throws IOException {
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      // skip
    }
  }

  private void blockComment() throws IOException {
    int depth = 1;
    int prev = 0;
    int c;
    while (depth > 0 && (c = in.read()) >= 0) {
      if (prev == '/' && c == '*') {
        depth++;
        c = 0;
      } else if (prev == '*' && c == '/') {
        depth--;
        c = 0;
      }
      prev = c;
    }
  }

  private void unread(int c) throws IOException {
    if (c >= 0) {
      in.unread(c);
    }
  }

  static boolean isLegacy(String artifactName, List<String> allNames) {
    String lower = artifactName.toLowerCase(Locale.ROOT);
    if (!lower.endsWith(".sql")) {
      return false;
    }
    if (artifactName.endsWith(TableArtifact.SQL_SUFFIX)) {
      String json = artifactName.substring(0, artifactName.length() - TableArtifact.SQL_SUFFIX.length())
          + TableArtifact.JSON_SUFFIX;
      return !allNames.contains(json);
    }
    return true;
  }
}
