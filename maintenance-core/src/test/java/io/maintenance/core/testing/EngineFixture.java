package io.maintenance.core.testing;

import io.maintenance.api.Principal;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RetentionPolicy;
import io.maintenance.api.Scope;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.tck.InMemoryStorage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** An engine over a fresh catalog database, in-memory storage and a fake datastore, with a movable clock. */
public final class EngineFixture implements AutoCloseable {
  public static final Principal ADMIN = Principal.system("admin");
  public static final Principal ALICE = Principal.of("alice", Scope.READ, Scope.BACKUP, Scope.RESTORE_PREVIEW, Scope.RESTORE_APPLY);
  public static final Principal BOB = Principal.of("bob", Scope.READ, Scope.RESTORE_APPROVE);
  public static final Principal CAROL = Principal.of("carol", Scope.READ, Scope.RESTORE_APPROVE);
  public static final Principal READER = Principal.of("reader", Scope.READ);

  public final PGSimpleDataSource catalog = TestCatalog.newDatabase();
  public final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T08:00:00Z"));
  public final InMemoryStorage storage = new InMemoryStorage(new InMemoryStorage.Backing(), 64 * 1024);
  public final FakeDatastore orders = new FakeDatastore("orders");
  public final SimpleMeterRegistry hostRegistry = new SimpleMeterRegistry();
  public MaintenanceEngine engine;

  public EngineFixture() {
    this(b -> {});
  }

  public EngineFixture(Consumer<MaintenanceEngine.Builder> customise) {
    orders.put("customers", "1", "Ada").put("customers", "2", "Grace").put("invoices", "100", "42.00");
    engine = build(customise);
  }

  public MaintenanceEngine build(Consumer<MaintenanceEngine.Builder> customise) {
    return build(catalog, customise);
  }

  /** Another engine instance (another replica) on the same catalog and storage, reaching the catalog through {@code via}. */
  public MaintenanceEngine build(DataSource via, Consumer<MaintenanceEngine.Builder> customise) {
    MaintenanceEngine.Builder b = MaintenanceEngine.builder()
        .dataSource(via)
        .storage(storage)
        .datastore(orders)
        .clock(clock)
        .meterRegistry(hostRegistry)
        .restorePolicy(RestorePolicy.defaults())
        .retentionPolicy(RetentionPolicy.keepAll());
    customise.accept(b);
    return b.build();
  }

  /** Replaces the engine (same catalog and storage), as a restarted process would. */
  public void restart(Consumer<MaintenanceEngine.Builder> customise) {
    engine.close();
    engine = build(customise);
  }

  public List<String> storedKeys() {
    return List.copyOf(storage.backing().keys());
  }

  public <T> T sql(Db.SqlWork<T> work) {
    try (Connection c = catalog.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public long count(String table, String where) {
    return sql(c -> Db.queryOne(c, "SELECT count(*) AS n FROM " + table + (where.isEmpty() ? "" : " WHERE " + where),
        rs -> rs.getLong("n")).orElseThrow());
  }

  @Override
  public void close() {
    engine.close();
  }
}
