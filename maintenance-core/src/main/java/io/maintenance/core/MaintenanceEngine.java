package io.maintenance.core;

import io.maintenance.api.AuditQuery;
import io.maintenance.api.AuditRecord;
import io.maintenance.api.AuditVerification;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.Maintenance;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.MetricsSummary;
import io.maintenance.api.Page;
import io.maintenance.api.Principal;
import io.maintenance.api.ReadinessReport;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRecord;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RetentionPolicy;
import io.maintenance.api.Scope;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.core.internal.EngineConfig;
import io.maintenance.core.internal.EngineContext;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.backup.BackupService;
import io.maintenance.core.internal.artifacts.ArtifactPolicy;
import io.maintenance.core.internal.artifacts.Artifacts;
import io.maintenance.core.internal.backup.ManifestStore;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.core.internal.catalog.OperationLock;
import io.maintenance.core.internal.catalog.RestoreCatalog;
import io.maintenance.core.internal.catalog.SchemaInstaller;
import io.maintenance.core.internal.catalog.TaskCatalog;
import io.maintenance.core.internal.catalog.UploadSessionCatalog;
import io.maintenance.core.internal.housekeeping.HousekeepingService;
import io.maintenance.core.internal.metrics.EngineMetrics;
import io.maintenance.core.internal.plugins.Plugins;
import io.maintenance.core.internal.readiness.Readiness;
import io.maintenance.core.internal.restore.RestoreService;
import io.maintenance.spi.AuditSink;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maintenance engine: backups, two-step restores, housekeeping, readiness and telemetry over a
 * PostgreSQL catalog. Build one per host process with {@link #builder()}; it is thread-safe. Several
 * replicas may share one catalog: mutating operations take a cluster-wide advisory lock.
 *
 * <pre>{@code
 * Maintenance engine = MaintenanceEngine.builder()
 *     .dataSource(catalogDataSource)
 *     .storage("local", Map.of("path", "/var/backups/maintenance"))
 *     .datastore("postgres", "orders-db", Map.of("url", "jdbc:postgresql://db/orders", "user", "backup"))
 *     .restorePolicy(new RestorePolicy(1, Duration.ofMinutes(30), true))
 *     .build();
 * }</pre>
 */
public final class MaintenanceEngine implements Maintenance {
  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceEngine.class);

  private final EngineContext ctx;
  private final ManifestStore manifests;
  private final BackupService backups;
  private final RestoreService restores;
  private final HousekeepingService housekeeping;
  private final Readiness readiness;
  private final List<AutoCloseable> owned;

  private MaintenanceEngine(EngineContext ctx, Readiness readiness, List<AutoCloseable> owned) {
    this.ctx = ctx;
    this.manifests = new ManifestStore(ctx.storage(), ctx.backups());
    this.backups = new BackupService(ctx, manifests);
    this.restores = new RestoreService(ctx, manifests, backups);
    this.housekeeping = new HousekeepingService(ctx, manifests, backups, restores);
    this.readiness = readiness;
    this.owned = owned;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public BackupRecord backup(BackupRequest request, Principal principal) {
    authorize(principal, Scope.BACKUP, "backup", "-");
    return backups.backup(request, principal.name());
  }

  @Override
  public Page<BackupRecord> listBackups(BackupQuery query, Principal principal) {
    authorize(principal, Scope.READ, "backup.list", "-");
    return ctx.backups().page(query);
  }

  @Override
  public Optional<BackupRecord> findBackup(String backupId, Principal principal) {
    authorize(principal, Scope.READ, "backup.get", backupId);
    return ctx.backups().find(backupId).map(BackupCatalog.Row::record);
  }

  @Override
  public BackupManifest manifest(String backupId, Principal principal) {
    authorize(principal, Scope.READ, "backup.manifest", backupId);
    return manifests.read(ctx.backups().require(backupId));
  }

  @Override
  public void deleteBackup(String backupId, Principal principal) {
    authorize(principal, Scope.HOUSEKEEPING, "backup.delete", backupId);
    backups.delete(backupId, principal.name());
  }

  @Override
  public RestorePreview previewRestore(RestoreRequest request, Principal principal) {
    authorize(principal, Scope.RESTORE_PREVIEW, "restore.preview", request.backupId());
    return restores.preview(request, principal.name());
  }

  @Override
  public RestoreRecord approveRestore(String requestId, String comment, Principal principal) {
    authorize(principal, Scope.RESTORE_APPROVE, "restore.approve", requestId);
    return restores.approve(requestId, comment == null ? "" : comment, principal.name());
  }

  @Override
  public RestoreRecord confirmRestore(String token, Principal principal) {
    authorize(principal, Scope.RESTORE_APPLY, "restore.confirm", "-");
    return restores.confirm(token, principal.name());
  }

  @Override
  public Optional<RestoreRecord> findRestore(String requestId, Principal principal) {
    authorize(principal, Scope.READ, "restore.get", requestId);
    return ctx.restores().find(requestId).map(RestoreCatalog.Row::record);
  }

  @Override
  public TaskResult runTask(TaskRequest request, Principal principal) {
    authorize(principal, Scope.HOUSEKEEPING, "task." + request.type().name().toLowerCase(java.util.Locale.ROOT), "-");
    return housekeeping.run(request, principal.name());
  }

  @Override
  public ReadinessReport readiness(Principal principal) {
    authorize(principal, Scope.READ, "readiness", "-");
    ReadinessReport report = readiness.check();
    ctx.metrics().readiness(report);
    return report;
  }

  @Override
  public MetricsSummary metrics(Principal principal) {
    authorize(principal, Scope.READ, "metrics", "-");
    return ctx.metrics().summary();
  }

  @Override
  public String prometheusText(Principal principal) {
    authorize(principal, Scope.READ, "metrics", "-");
    return ctx.metrics().prometheusText();
  }

  @Override
  public List<AuditRecord> audit(AuditQuery query, Principal principal) {
    authorize(principal, Scope.READ, "audit.list", "-");
    return ctx.audit().list(query);
  }

  @Override
  public AuditVerification verifyAudit(Principal principal) {
    authorize(principal, Scope.READ, "audit.verify", "-");
    return ctx.audit().verify();
  }

  @Override
  public void close() {
    ctx.metrics().close();
    readiness.close();
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("Closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
      }
    }
  }

  /** Checks a scope before anything else happens; a refusal is audited. */
  private void authorize(Principal principal, Scope scope, String action, String target) {
    Objects.requireNonNull(principal, "principal");
    if (!principal.has(scope)) {
      ctx.audit(principal.name(), action, ErrorCode.FORBIDDEN.name(), target, AuditLog.details("requiredScope", scope.value()));
      throw new MaintenanceException(ErrorCode.FORBIDDEN, principal.name() + " lacks scope " + scope.value() + " for " + action,
          Map.of("requiredScope", scope.value()));
    }
  }

  /** Settles what a crashed process left behind, if no other replica is working right now. */
  private void recover() {
    OperationLock.Held lock;
    try {
      lock = ctx.lock().acquire("start-up recovery", Optional::empty);
    } catch (MaintenanceException e) {
      LOG.info("Another replica holds the operation lock; leaving RUNNING rows to it");
      return;
    }
    try (lock) {
      var now = ctx.clock().instant();
      List<String> abandoned = ctx.backups().abandonRunning(now);
      List<String> failed = ctx.restores().failApplying(now);
      List<String> tasks = ctx.tasks().failRunning(now, "-");
      if (!abandoned.isEmpty() || !failed.isEmpty() || !tasks.isEmpty()) {
        LOG.warn("Start-up recovery: backups {} ABANDONED, restores {} FAILED, tasks {} FAILED; run ORPHAN_SWEEP to remove"
            + " their leftovers", abandoned, failed, tasks);
        ctx.audit("engine:" + ctx.owner(), "engine.recover", "success", "-", AuditLog.details(
            "abandonedBackups", String.join(",", abandoned), "failedRestores", String.join(",", failed),
            "failedTasks", String.join(",", tasks)));
      }
    }
  }

  /** Configures and starts an engine. Plugins are found with {@link ServiceLoader} or passed in. */
  public static final class Builder {
    private DataSource dataSource;
    private StorageProvider storage;
    private String storageName;
    private Map<String, String> storageConfig = Map.of();
    private final Map<String, Datastore> datastores = new LinkedHashMap<>();
    private final Map<String, Map.Entry<String, Map<String, String>>> datastoreConfigs = new LinkedHashMap<>();
    private final List<String> duplicateIds = new ArrayList<>();
    private RestorePolicy restorePolicy = RestorePolicy.defaults();
    private RetentionPolicy retentionPolicy = RetentionPolicy.keepAll();
    private MeterRegistry meterRegistry;
    private Clock clock = Clock.systemUTC();
    private String storagePrefix = "backups";
    private ArtifactPolicy artifactPolicy = ArtifactPolicy.DEFAULT;
    private final List<AuditSink> auditSinks = new ArrayList<>();
    private boolean installSchema = true;
    private String instanceName;
    private ClassLoader classLoader = MaintenanceEngine.class.getClassLoader();
    private Duration probeTimeout = Duration.ofSeconds(5);

    private Builder() {}

    /** Where the catalog lives (required). May be the application's own database. */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = dataSource;
      return this;
    }

    /** A storage provider the host built itself; the host closes it. */
    public Builder storage(StorageProvider provider) {
      this.storage = provider;
      return this;
    }

    /** A storage provider created from configuration by the plugin registered under {@code name}. */
    public Builder storage(String name, Map<String, String> config) {
      this.storageName = name;
      this.storageConfig = Map.copyOf(config);
      return this;
    }

    /** A datastore the host built itself; the host closes it. */
    public Builder datastore(Datastore datastore) {
      if (datastores.containsKey(datastore.id()) || datastoreConfigs.containsKey(datastore.id())) {
        duplicateIds.add(datastore.id());
      }
      datastores.put(datastore.id(), datastore);
      return this;
    }

    /** A datastore created from configuration by the plugin registered for {@code type}. */
    public Builder datastore(String type, String id, Map<String, String> config) {
      if (datastores.containsKey(id) || datastoreConfigs.containsKey(id)) {
        duplicateIds.add(id);
      }
      datastoreConfigs.put(id, Map.entry(type, Map.copyOf(config)));
      return this;
    }

    /**
     * Everything from flat properties, e.g. from a file or the environment:
     * {@code storage.type=local}, {@code storage.path=/backups}, {@code datastores.orders.type=postgres},
     * {@code datastores.orders.url=...}, {@code restore.approvals-required=1}, {@code restore.token-ttl=30m},
     * {@code restore.safety-backup=true}, {@code retention.keep-last=7}, {@code retention.keep-within=14d},
     * {@code retention.keep-daily=7}, {@code retention.keep-weekly=4}, {@code retention.keep-monthly=12},
     * {@code storage-prefix=backups}, {@code artifacts.compression=zstd}, {@code artifacts.encryption=keyset},
     * {@code artifacts.encryption.keyset-file=/etc/maintenance/kek.json}, ... (see the architecture docs).
     */
    public Builder configure(Map<String, String> properties) {
      EngineConfig c = EngineConfig.parse(properties, restorePolicy, retentionPolicy);
      c.storage().ifPresent(st -> storage(st.getKey(), st.getValue()));
      c.datastores().forEach((id, d) -> datastore(d.getKey(), id, d.getValue()));
      c.storagePrefix().ifPresent(this::storagePrefix);
      c.artifacts().ifPresent(a -> artifactPolicy = a);
      restorePolicy = c.restorePolicy();
      retentionPolicy = c.retentionPolicy();
      return this;
    }

    /**
     * How artifacts are stored, from the {@code artifacts.*} keys without their prefix: {@code compression},
     * {@code compression.level}, {@code encryption}, {@code encryption.keyset-file}, ... (see docs/artifacts.md).
     */
    public Builder artifacts(Map<String, String> settings) {
      this.artifactPolicy = ArtifactPolicy.parse(settings);
      return this;
    }

    public Builder restorePolicy(RestorePolicy policy) {
      this.restorePolicy = Objects.requireNonNull(policy);
      return this;
    }

    public Builder retentionPolicy(RetentionPolicy policy) {
      this.retentionPolicy = Objects.requireNonNull(policy);
      return this;
    }

    /** The host's registry; the engine's meters are registered there too. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = registry;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Folder in storage under which backup sets go (default {@code backups}). */
    public Builder storagePrefix(String prefix) {
      this.storagePrefix = prefix;
      return this;
    }

    public Builder auditSink(AuditSink sink) {
      auditSinks.add(sink);
      return this;
    }

    /** Whether the engine creates/upgrades the catalog tables at start (default true). */
    public Builder installSchema(boolean install) {
      this.installSchema = install;
      return this;
    }

    /** How this instance appears in catalog rows (default host and process id). */
    public Builder instanceName(String name) {
      this.instanceName = name;
      return this;
    }

    public Builder classLoader(ClassLoader loader) {
      this.classLoader = loader;
      return this;
    }

    public Builder probeTimeout(Duration timeout) {
      this.probeTimeout = timeout;
      return this;
    }

    public MaintenanceEngine build() {
      if (dataSource == null) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "a catalog DataSource is required");
      }
      if (!duplicateIds.isEmpty()) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "datastore id(s) configured twice: " + String.join(", ", duplicateIds));
      }
      Plugins plugins = Plugins.discover(classLoader);
      List<AutoCloseable> owned = new ArrayList<>();
      StorageProvider store = storage;
      if (store == null) {
        if (storageName == null) {
          throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "no storage configured; use storage(provider) or storage(name, config)");
        }
        store = plugins.storage(storageName).create(PluginConfig.of("storage " + storageName, storageConfig));
        owned.add(store);
      }
      Map<String, Datastore> all = new LinkedHashMap<>(datastores);
      for (var e : datastoreConfigs.entrySet()) {
        String id = e.getKey();
        String type = e.getValue().getKey();
        Datastore ds = plugins.datastore(type).create(id, PluginConfig.of("datastore " + id + " (" + type + ")", e.getValue().getValue()));
        owned.add(ds);
        all.put(id, ds);
      }
      if (all.isEmpty()) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "no datastores configured");
      }
      for (var e : all.entrySet()) {
        if (!e.getKey().equals(e.getValue().id())) {
          throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "datastore registered as " + e.getKey() + " reports id " + e.getValue().id());
        }
      }
      Artifacts artifacts = Artifacts.start(artifactPolicy);
      List<AuditSink> sinks = new ArrayList<>(auditSinks);
      ServiceLoader.load(AuditSink.class, classLoader).forEach(sinks::add);

      Db db = new Db(dataSource);
      SchemaInstaller schema = new SchemaInstaller(db, clock);
      if (installSchema) {
        schema.install();
      }
      String owner = instanceName != null ? instanceName : ManagementFactory.getRuntimeMXBean().getName();
      BackupCatalog backupCatalog = new BackupCatalog(db);
      RestoreCatalog restoreCatalog = new RestoreCatalog(db);
      Map<String, Datastore> datastoreMap = Map.copyOf(all);
      Readiness readiness = new Readiness(db, schema, store, datastoreMap, clock, probeTimeout);
      EngineMetrics metrics = new EngineMetrics(Optional.ofNullable(meterRegistry), clock, backupCatalog, restoreCatalog,
          Duration.ofSeconds(15), all.keySet(), readiness.components(), readiness::check);
      EngineContext ctx = new EngineContext(clock, owner, engineVersion(), store, storagePrefix, datastoreMap,
          backupCatalog, restoreCatalog, new TaskCatalog(db), new UploadSessionCatalog(db, clock, owner), new OperationLock(db),
          new AuditLog(db, sinks), metrics, restorePolicy, retentionPolicy, artifacts);
      MaintenanceEngine engine = new MaintenanceEngine(ctx, readiness, owned);
      engine.recover();
      LOG.info("Maintenance engine {} started: storage {}, datastores {}", ctx.engineVersion(), store.name(), all.keySet());
      return engine;
    }

    private static String engineVersion() {
      String v = MaintenanceEngine.class.getPackage().getImplementationVersion();
      return v == null ? "dev" : v;
    }
  }
}
