package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * The reference tools the ITs compare with: pg_dump, pg_restore and psql 17 from {@code MAINTENANCE_IT_PG_BIN}
 * (scripts/test.sh installs them), and the md5 of every table's ordered COPY.
 */
final class PgTools {
  private PgTools() {}

  /** Loads {@code corpus/app.sql} into a database as psql would (simple queries: SQL-standard bodies hold semicolons). */
  static void loadCorpus(EmbeddedPostgres server, String database) throws Exception {
    try (java.io.InputStream in = PgTools.class.getResourceAsStream("/corpus/app.sql");
        Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + database
            + "?user=postgres&preferQueryMode=simple");
        Statement st = c.createStatement()) {
      st.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** A tool of {@code MAINTENANCE_IT_PG_BIN}. */
  static String tools(String name) {
    return Pg.tools().resolve(name).toString();
  }

  /**
   * pg_dump -Fc of {@code source} restored with pg_restore into {@code database} of {@code server}. The 17
   * tools set {@code transaction_timeout}, which older servers do not know: pg_restore writes its script,
   * that one setting is left out, and psql runs the rest (stopping at the first error).
   */
  static void pgRestore(EmbeddedPostgres from, String source, EmbeddedPostgres server, String database) throws Exception {
    java.nio.file.Path archive = java.nio.file.Files.createTempFile("whole", ".dump");
    java.nio.file.Path script = java.nio.file.Files.createTempFile("whole", ".sql");
    try {
      run(Pg.tools().resolve("pg_dump").toString(), "-Fc", "-f", archive.toString(), "-h", "127.0.0.1",
          "-p", Integer.toString(from.getPort()), "-U", "postgres", source);
      run(Pg.tools().resolve("pg_restore").toString(), "-f", script.toString(), archive.toString());
      java.nio.file.Files.write(script, java.nio.file.Files.readAllLines(script).stream()
          .filter(l -> !l.startsWith("SET transaction_timeout")).toList());
      run(Pg.tools().resolve("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
          "-p", Integer.toString(server.getPort()), "-U", "postgres", "-d", database, "-f", script.toString());
    } finally {
      java.nio.file.Files.deleteIfExists(archive);
      java.nio.file.Files.deleteIfExists(script);
    }
  }

  static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  /** Both dumps are kept under target/pg-dump/ to diff by hand when they differ. */
  static void assertSameSchema(EmbeddedPostgres server, String actual, String expected) throws Exception {
    assertSameSchema(server, actual, server, expected);
  }

  static void assertSameSchema(EmbeddedPostgres server, String actual, EmbeddedPostgres expectedServer, String expected)
      throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of("target", "pg-dump");
    java.nio.file.Files.createDirectories(dir);
    String a = dumpSchema(server, actual);
    String e = dumpSchema(expectedServer, expected);
    java.nio.file.Files.writeString(dir.resolve(actual + "-" + server.getPort() + ".sql"), a);
    java.nio.file.Files.writeString(dir.resolve(expected + "-" + expectedServer.getPort() + ".sql"), e);
    assertThat(a).as("pg_dump --schema-only of %s and %s (see %s)", actual, expected, dir.toAbsolutePath()).isEqualTo(e);
  }

  /** md5 of each table's rows as COPY prints them, in a total order. */
  static Map<String, String> tableDigests(DataSource ds) throws Exception {
    List<String> tables = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String t : tables) {
      out.put(t, Pg.md5(Pg.copyOut(ds, "SELECT * FROM ONLY " + t + " x ORDER BY x::text")));
    }
    return out;
  }

  /** pg_dump --schema-only of a database, without the lines that differ on every run. */
  static String dumpSchema(EmbeddedPostgres server, String database) throws Exception {
    String out = run(Pg.tools().resolve("pg_dump").toString(), "--schema-only", "-h", "127.0.0.1",
        "-p", Integer.toString(server.getPort()), "-U", "postgres", database);
    return out.lines().filter(l -> !l.startsWith("\\restrict ") && !l.startsWith("\\unrestrict ")
        && !l.startsWith("-- Dumped from") && !l.startsWith("-- Dumped by")).reduce("", (a, b) -> a + b + "\n");
  }
}
