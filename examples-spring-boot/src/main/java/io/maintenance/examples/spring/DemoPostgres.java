package io.maintenance.examples.spring;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Map;

/**
 * For the demo only: an embedded PostgreSQL (binaries from Maven Central) holding the catalog (database
 * {@code postgres}) and the shop's data (database {@code shop}, table {@code orders}), and a backup folder.
 * A real deployment sets spring.datasource.url and maintenance.* instead, and this never runs.
 */
public final class DemoPostgres {
  private static EmbeddedPostgres server;

  private DemoPostgres() {}

  /** Default properties pointing at a freshly started embedded server, unless a database was configured. */
  public static Map<String, Object> propertiesUnlessConfigured(String[] args) {
    boolean configured = System.getenv("SPRING_DATASOURCE_URL") != null || System.getProperty("spring.datasource.url") != null
        || Arrays.stream(args).anyMatch(a -> a.startsWith("--spring.datasource.url"));
    return configured ? Map.of() : start();
  }

  /** Starts the server (once) with the sample data and returns the properties that point the application at it. */
  public static synchronized Map<String, Object> start() {
    try {
      if (server == null) {
        server = EmbeddedPostgres.builder().start();
        sql("postgres", "CREATE DATABASE shop");
        sql("shop",
            "CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL)",
            "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,"
                + " total numeric(10,2) NOT NULL, placed_at timestamptz NOT NULL DEFAULT now())",
            "INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g",
            "INSERT INTO orders (id, customer_id, total) SELECT g, 1 + g % 50, (g * 7 % 1000) / 10.0 FROM generate_series(1, 500) g");
      }
      Path backups = Files.createTempDirectory("shop-backups");
      return Map.of(
          "spring.datasource.url", server.getJdbcUrl("postgres", "postgres"),
          "spring.datasource.username", "postgres",
          "maintenance.datastores.shop.url", server.getJdbcUrl("postgres", "shop"),
          "maintenance.storage.path", backups.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the demo's embedded PostgreSQL", e);
    }
  }

  public static void sql(String database, String... statements) {
    try (Connection c = server.getDatabase("postgres", database).getConnection(); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
