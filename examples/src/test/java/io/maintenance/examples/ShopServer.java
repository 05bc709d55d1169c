package io.maintenance.examples;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;

/** A real PostgreSQL server (embedded) holding the sample shop, created and filled, and an empty catalog database. */
final class ShopServer {
  private ShopServer() {}

  static EmbeddedPostgres start() throws Exception {
    EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE shop");
      st.execute("CREATE DATABASE catalog");
    }
    shop(pg).create();
    return pg;
  }

  static SampleShop shop(EmbeddedPostgres pg) {
    return new SampleShop(pg.getDatabase("postgres", "shop"));
  }
}
