package io.maintenance.datastore.postgres;

import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.datastore.postgres.internal.Backup;
import io.maintenance.datastore.postgres.internal.Catalog;
import io.maintenance.datastore.postgres.internal.DatabaseRestore;
import io.maintenance.datastore.postgres.internal.Fingerprints;
import io.maintenance.datastore.postgres.internal.FormatOnePlan;
import io.maintenance.datastore.postgres.internal.FormatOneRestore;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
import io.maintenance.datastore.postgres.internal.PostgresErrors;
import io.maintenance.datastore.postgres.internal.Probe;
import io.maintenance.datastore.postgres.internal.SchemaReader;
import io.maintenance.datastore.postgres.internal.Settings;
import io.maintenance.datastore.postgres.internal.TableSelector;
import io.maintenance.datastore.postgres.internal.Upkeep;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.TaskContext;
import io.maintenance.spi.TaskOutcome;
import io.maintenance.spi.support.DatastoreBuilder;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The PostgreSQL datastore: logical, table-by-table backup into {@code <schema>.<table>_postgres.json}
 * (rows) and {@code <schema>.<table>_postgres.sql} (schema) artifacts, dry-run plans with a
 * reconciliation diff, all-or-nothing restore through {@code COPY}, drift fingerprints, and
 * {@code VACUUM}/{@code REINDEX} upkeep.
 *
 * <pre>{@code
 * Datastore orders = PostgresDatastore.builder("orders-db")
 *     .dataSource(hostDataSource)
 *     .include("public.*")
 *     .exclude("public.audit_*")
 *     .build();
 * }</pre>
 */
public final class PostgresDatastore implements Datastore {
  public static final String TYPE = "postgres";

  private final String id;
  private final DataSource dataSource;
  private final Settings settings;

  private PostgresDatastore(Builder b) {
    this.id = b.checkedId();
    this.dataSource = b.dataSource;
    this.settings = new Settings(id, TYPE, new TableSelector(b.selectedIncludes(), b.selectedExcludes()), b.lockTimeout,
        b.validateRowsOnPlan, b.disableTriggers, b.reindexConcurrently, b.jobs, b.splitBytes);
  }

  /** Options for a datastore with the instance id the host chose, e.g. {@code orders-db}. */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public ProbeResult probe() {
    return Probe.run("datastore:" + id, dataSource, settings.selector());
  }

  @Override
  public Fingerprint fingerprint(Set<String> resources) throws IOException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        Catalog.configureSession(c);
        Map<String, String> components = new TreeMap<>();
        if (resources.isEmpty() || resources.contains(Fingerprints.SCHEMA)) {
          components.put(Fingerprints.SCHEMA, Fingerprints.schemaComponent(
              SchemaReader.read(c, settings.selector()::selects, settings.selector().everything())));
        }
        if (resources.isEmpty()) {
          for (TableRef t : Catalog.tables(c, settings.selector())) {
            components.put(t.resourceName(), Fingerprints.component(c, t));
          }
        } else {
          Map<String, TableRef> live = Catalog.byResourceName(c);
          for (String name : resources) {
            if (name.equals(Fingerprints.SCHEMA)) {
              continue;
            }
            TableRef t = live.get(name);
            components.put(name, t == null ? Fingerprints.ABSENT : Fingerprints.component(c, t));
          }
        }
        return Fingerprint.of(components);
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw PostgresErrors.datastore("fingerprint failed", e);
    }
  }

  @Override
  public DatastoreBackup backup(BackupContext context) throws IOException {
    return Backup.run(dataSource, settings, context);
  }

  @Override
  public DatastorePlan plan(RestoreContext context) throws IOException {
    return DatabaseRestore.handles(context) ? DatabaseRestore.plan(dataSource, settings, context)
        : FormatOnePlan.plan(dataSource, settings, context);
  }

  @Override
  public RestoreOutcome restore(RestoreContext context) throws IOException {
    return DatabaseRestore.handles(context) ? DatabaseRestore.restore(dataSource, settings, context)
        : FormatOneRestore.restore(dataSource, settings, context);
  }

  @Override
  public TaskOutcome housekeeping(TaskContext context) {
    return Upkeep.run(dataSource, settings, context);
  }

  @Override
  public boolean supportsIncremental() {
    return true;
  }

  @Override
  public boolean supportsDiscard() {
    return true;
  }

  /**
   * Empties a drill's sandbox database: with the {@code schema} resource, drops every user schema {@code CASCADE}
   * and creates {@code public} again as a fresh database has it; with tables only, drops them (see docs).
   */
  @Override
  public void discard(Set<String> resources) throws IOException {
    try {
      io.maintenance.datastore.postgres.internal.Discard.run(dataSource, settings, resources);
    } catch (SQLException e) {
      throw PostgresErrors.datastore("discard failed", e);
    }
  }

  @Override
  public String toString() {
    return "PostgresDatastore[" + id + "]";
  }

  /** Options for a {@link PostgresDatastore}; the id and {@link #dataSource} are required. */
  public static final class Builder extends DatastoreBuilder<Builder> {
    private DataSource dataSource;
    private Duration lockTimeout = Duration.ofSeconds(60);
    private boolean validateRowsOnPlan = true;
    private boolean disableTriggers = true;
    private boolean reindexConcurrently = true;
    private int jobs = 1;
    private long splitBytes = 64L << 20;

    private Builder(String id) {
      super(id);
    }

    /** Where to connect; the host's pool or a driver data source. Connections are returned after each call. */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = dataSource;
      return this;
    }

    /** How long a restore waits for table locks before failing (nothing changed). Default 60 s. */
    public Builder lockTimeout(Duration lockTimeout) {
      this.lockTimeout = Objects.requireNonNull(lockTimeout);
      return this;
    }

    /**
     * Whether plans load every row into a temporary table so the server validates each value (and the
     * diff can count lost rows exactly). Default true; false makes previews cheaper but lets bad values
     * surface only at confirm (which still rolls back).
     */
    public Builder validateRowsOnPlan(boolean validate) {
      this.validateRowsOnPlan = validate;
      return this;
    }

    /** Whether restores disable user triggers on tables while loading them (needs table ownership). Default true. */
    public Builder disableTriggers(boolean disable) {
      this.disableTriggers = disable;
      return this;
    }

    /** Whether the REINDEX task uses {@code REINDEX ... CONCURRENTLY} (no write lock). Default true. */
    public Builder reindexConcurrently(boolean concurrently) {
      this.reindexConcurrently = concurrently;
      return this;
    }

    /**
     * How many tables a backup copies at once, each on its own connection inside one exported snapshot
     * (like {@code pg_dump -j}). Default 1.
     */
    public Builder jobs(int jobs) {
      if (jobs < 1) {
        throw new IllegalArgumentException("jobs must be at least 1");
      }
      this.jobs = jobs;
      return this;
    }

    /**
     * With {@code jobs > 1} (PostgreSQL 14 or newer), a table at least this large is copied by all the
     * backup's connections at once, each a range of its blocks, into one data artifact per range. Default 64 MiB.
     */
    public Builder splitTablesFrom(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("the split size must be positive");
      }
      this.splitBytes = bytes;
      return this;
    }

    /** Fails with {@code CONFIG_INVALID} naming the setting when the id or the data source is missing. */
    /**
     * {@code include}/{@code exclude} take {@code schema.table} globs ({@code *}, {@code ?}; no dot = whole
     * schema), each call adding to the earlier ones; default: all user tables.
     */
    public PostgresDatastore build() {
      String id = id();
      if (dataSource == null) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "datastore " + id + ": dataSource is required",
            Map.of("key", "dataSource"));
      }
      return new PostgresDatastore(this);
    }

    private String checkedId() {
      return id();
    }

    private List<String> selectedIncludes() {
      return includes();
    }

    private List<String> selectedExcludes() {
      return excludes();
    }
  }
}
