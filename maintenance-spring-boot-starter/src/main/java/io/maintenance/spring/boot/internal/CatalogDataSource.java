package io.maintenance.spring.boot.internal;

import javax.sql.DataSource;

/** The catalog's DataSource, and whether the starter built it (then it closes it after the engine). */
public record CatalogDataSource(DataSource dataSource, boolean owned) implements AutoCloseable {
  @Override
  public void close() throws Exception {
    if (owned && dataSource instanceof AutoCloseable c) {
      c.close();
    }
  }
}
