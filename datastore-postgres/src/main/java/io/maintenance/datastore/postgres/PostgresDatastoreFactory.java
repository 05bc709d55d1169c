package io.maintenance.datastore.postgres;

import com.google.auto.service.AutoService;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreFactory;
import io.maintenance.spi.PluginConfig;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Creates {@link PostgresDatastore}s from configuration (type {@code postgres}). Keys:
 * {@code url} (required, {@code jdbc:postgresql://host:port/db}), {@code user}, {@code password},
 * {@code include}, {@code exclude} (comma-separated {@code schema.table} globs), {@code lock-timeout}
 * (60s), {@code connect-timeout} (10s), {@code plan.validate-rows} (true), {@code restore.disable-triggers}
 * (true), {@code reindex.concurrently} (true), {@code jobs} (1), {@code backup.split-size} (64MiB).
 */
@AutoService(DatastoreFactory.class)
public final class PostgresDatastoreFactory implements DatastoreFactory {

  @Override
  public String type() {
    return PostgresDatastore.TYPE;
  }

  private static int jobs(PluginConfig config) {
    String v = config.optional("jobs").orElse("1");
    try {
      int jobs = Integer.parseInt(v.trim());
      if (jobs >= 1 && jobs <= 64) {
        return jobs;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw config.invalid("jobs", "must be a whole number from 1 to 64");
  }

  @Override
  public Datastore create(String id, PluginConfig config) {
    String url = config.require("url");
    if (!url.startsWith("jdbc:postgresql:")) {
      throw config.invalid("url", "must start with jdbc:postgresql:");
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    try {
      ds.setURL(url);
    } catch (IllegalArgumentException e) {
      throw config.invalid("url", "is not a valid PostgreSQL JDBC URL");
    }
    config.optional("user").ifPresent(ds::setUser);
    config.optional("password").ifPresent(ds::setPassword);
    Duration connectTimeout = config.duration("connect-timeout", Duration.ofSeconds(10));
    ds.setConnectTimeout((int) Math.max(1, connectTimeout.toSeconds()));
    ds.setLoginTimeout((int) Math.max(1, connectTimeout.toSeconds()));
    ds.setApplicationName("maintenance:" + id);
    return PostgresDatastore.builder(id)
        .dataSource(ds)
        .include(config.list("include"))
        .exclude(config.list("exclude"))
        .lockTimeout(config.duration("lock-timeout", Duration.ofSeconds(60)))
        .validateRowsOnPlan(config.bool("plan.validate-rows", true))
        .disableTriggers(config.bool("restore.disable-triggers", true))
        .reindexConcurrently(config.bool("reindex.concurrently", true))
        .jobs(jobs(config))
        .splitTablesFrom(config.bytes("backup.split-size", 64L << 20))
        .build();
  }
}
