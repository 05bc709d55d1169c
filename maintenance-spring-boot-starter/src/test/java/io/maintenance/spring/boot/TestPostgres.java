package io.maintenance.spring.boot;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** One real PostgreSQL server per test JVM (embedded binaries from Maven Central), a fresh database per use. */
final class TestPostgres {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestPostgres() {}

  static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
    }
    return server;
  }

  /** JDBC URL of a new, empty database. */
  static String newDatabase(String prefix) {
    String name = prefix + "_" + COUNTER.incrementAndGet();
    sql("postgres", "CREATE DATABASE " + name);
    return server().getJdbcUrl("postgres", name);
  }

  static void sql(String database, String... statements) {
    try (Connection c = server().getDatabase("postgres", database).getConnection(); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static String database(String jdbcUrl) {
    return jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
  }
}
