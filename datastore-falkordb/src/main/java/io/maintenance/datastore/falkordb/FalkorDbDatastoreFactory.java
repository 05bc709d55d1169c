package io.maintenance.datastore.falkordb;

import com.google.auto.service.AutoService;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreFactory;
import io.maintenance.spi.PluginConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Creates {@link FalkorDbDatastore}s of type {@code falkordb} from configuration keys: {@code uri}
 * (or {@code host}/{@code port}/{@code database}/{@code tls}), {@code user}, {@code password},
 * {@code include}, {@code exclude} (comma-separated globs), {@code batch-size}, {@code read-batch-size},
 * {@code connect-timeout}, {@code socket-timeout}, {@code index-timeout}, {@code snapshot},
 * {@code keep-safety-copy}, {@code reserved-prefix}, {@code temp-dir}, {@code format}, {@code physical-limit},
 * {@code dump-source}.
 */
@AutoService(DatastoreFactory.class)
public final class FalkorDbDatastoreFactory implements DatastoreFactory {
  @Override
  public String type() {
    return FalkorDbDatastore.TYPE;
  }

  @Override
  public Datastore create(String id, PluginConfig config) {
    FalkorDbDatastore.Builder b = FalkorDbDatastore.builder(id);
    config.optional("uri").ifPresent(uri -> {
      try {
        b.uri(uri);
      } catch (IllegalArgumentException | NullPointerException e) {
        // The message must not echo the URI: it may hold a password.
        throw config.invalid("uri", "must look like redis://host:port[/db] or rediss://...");
      }
    });
    config.optional("host").ifPresent(b::host);
    if (config.optional("port").isPresent()) {
      int port = config.integer("port", 6379);
      if (port <= 0 || port > 65535) {
        throw config.invalid("port", "must be within 1..65535");
      }
      b.port(port);
    }
    if (config.optional("database").isPresent()) {
      b.database(config.integer("database", 0));
    }
    if (config.optional("tls").isPresent()) {
      b.tls(config.bool("tls", false));
    }
    config.optional("user").ifPresent(b::user);
    config.optional("password").ifPresent(b::password);
    b.include(config.list("include").toArray(String[]::new));
    b.exclude(config.list("exclude").toArray(String[]::new));
    b.batchSize(positive(config, "batch-size", 10_000));
    b.readBatchSize(positive(config, "read-batch-size", 10_000));
    b.connectTimeout(config.duration("connect-timeout", Duration.ofSeconds(5)));
    b.socketTimeout(config.duration("socket-timeout", Duration.ofMinutes(10)));
    b.indexTimeout(config.duration("index-timeout", Duration.ofMinutes(30)));
    b.snapshot(config.bool("snapshot", true));
    b.keepSafetyCopy(config.bool("keep-safety-copy", false));
    b.reservedPrefix(config.string("reserved-prefix", "__maintenance__:"));
    config.optional("temp-dir").ifPresent(d -> b.tempDir(Path.of(d)));
    config.optional("format").ifPresent(f -> {
      try {
        b.format(f);
      } catch (IllegalArgumentException e) {
        throw config.invalid("format", "must be 'physical' or 'logical'");
      }
    });
    config.optional("dump-source").ifPresent(v -> {
      try {
        b.dumpSource(v);
      } catch (IllegalArgumentException e) {
        throw config.invalid("dump-source", "must be 'copy' or 'live'");
      }
    });
    if (config.optional("physical-limit").isPresent()) {
      long limit = config.longValue("physical-limit", FalkorDbDatastore.DEFAULT_PHYSICAL_LIMIT);
      if (limit < 0) {
        throw config.invalid("physical-limit", "must not be negative");
      }
      b.physicalLimit(limit);
    }
    return b.build();
  }

  private static int positive(PluginConfig config, String key, int dflt) {
    int v = config.integer(key, dflt);
    if (v < 1) {
      throw config.invalid(key, "must be a positive integer");
    }
    return v;
  }

}
