package io.maintenance.examples;

import io.maintenance.api.BackupRequest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.Principal;
import io.maintenance.api.ProbeResult;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.datastore.postgres.PostgresDatastoreFactory;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.storage.local.LocalStorageProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A separate JVM that runs one operation with the real PostgreSQL datastore and local storage, for
 * {@code CrashIT} to kill with SIGKILL. It prints {@code READY} when the engine is up and {@code DONE} when
 * the operation returned; a confirm also prints {@code APPLYING} when the datastore's restore starts and
 * {@code COMMITTED} when its transaction committed. With {@code confirm-hold} it then waits to be killed,
 * before the engine records anything.
 *
 * <pre>java ... CrashChild CATALOG_URL SHOP_URL STORAGE_DIR backup|confirm|confirm-hold [TOKEN]</pre>
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    PGSimpleDataSource catalog = new PGSimpleDataSource();
    catalog.setUrl(args[0]);
    String mode = args[3];
    Datastore shop = shop(args[1]);
    if (mode.startsWith("confirm")) {
      shop = new Observed(shop, mode.equals("confirm-hold"));
    }
    try (MaintenanceEngine engine = MaintenanceEngine.builder().dataSource(catalog)
        .storage(LocalStorageProvider.builder().path(Path.of(args[2])).chunkSize(64 * 1024).fsync(true).build())
        .datastore(shop)
        .leaseTimeout(CrashIT.LEASE)
        .build()) {
      System.out.println("READY");
      System.out.flush();
      Principal ops = Principal.system("crash-child");
      long t0 = System.nanoTime();
      String status = switch (mode) {
        case "backup" -> engine.backup(BackupRequest.all(), ops).status().name();
        case "confirm", "confirm-hold" -> engine.confirmRestore(args[4], ops).status().name();
        default -> throw new IllegalArgumentException(mode);
      };
      System.out.println("DONE " + status + " " + Duration.ofNanos(System.nanoTime() - t0).toMillis());
      System.out.flush();
    }
  }

  static Datastore shop(String url) {
    return new PostgresDatastoreFactory().create("shop", PluginConfig.of("datastore shop", Map.of("url", url, "user", "postgres")));
  }

  /**
   * The real datastore, saying when its restore starts ({@code APPLYING}) and when it committed ({@code COMMITTED
   * <ms>}); with {@code hold} the process then stops, before the engine records anything. Nothing else differs.
   */
  private record Observed(Datastore real, boolean hold) implements Datastore {
    @Override
    public RestoreOutcome restore(RestoreContext context) throws IOException {
      System.out.println("APPLYING");
      System.out.flush();
      long t0 = System.nanoTime();
      RestoreOutcome outcome = real.restore(context);
      System.out.println("COMMITTED " + Duration.ofNanos(System.nanoTime() - t0).toMillis());
      System.out.flush();
      if (hold) {
        try {
          Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return outcome;
    }

    @Override
    public String id() {
      return real.id();
    }

    @Override
    public String type() {
      return real.type();
    }

    @Override
    public String version() {
      return real.version();
    }

    @Override
    public ProbeResult probe() {
      return real.probe();
    }

    @Override
    public Fingerprint fingerprint(Set<String> resources) throws IOException {
      return real.fingerprint(resources);
    }

    @Override
    public DatastoreBackup backup(BackupContext context) throws IOException {
      return real.backup(context);
    }

    @Override
    public DatastorePlan plan(RestoreContext context) throws IOException {
      return real.plan(context);
    }

    @Override
    public boolean supportsIncremental() {
      return real.supportsIncremental();
    }

    @Override
    public void close() throws IOException {
      real.close();
    }
  }
}
