package io.maintenance.core.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One real PostgreSQL server per test JVM (embedded binaries), with a fresh schema per test: schemas are
 * far cheaper to create and drop than databases, and the catalog lives wherever the search path says.
 */
public final class TestCatalog {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestCatalog() {}

  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        // Durability is not under test here; without fsync the many small catalog databases start and stop fast.
        server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off")
            .setServerConfig("full_page_writes", "off").start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
      // The embedded server registers its own shutdown hook.
    }
    return server;
  }

  /** A new, empty schema on the shared server, as the only schema on the returned data source's search path. */
  public static PGSimpleDataSource newDatabase() {
    String name = "catalog_" + COUNTER.incrementAndGet();
    try (Connection c = server().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
      st.execute("CREATE SCHEMA " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(server().getJdbcUrl("postgres", "postgres"));
    ds.setCurrentSchema(name);
    return ds;
  }

  /**
   * The same catalog reached through another port (a fault-injecting proxy), with the timeouts a host
   * should set: a connection attempt to a catalog that does not answer gives up after two seconds.
   */
  public static PGSimpleDataSource viaPort(PGSimpleDataSource catalog, int port) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"127.0.0.1"});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName("postgres");
    ds.setUser("postgres");
    ds.setCurrentSchema(catalog.getCurrentSchema());
    ds.setConnectTimeout(2);
    ds.setLoginTimeout(2);
    return ds;
  }
}
