package io.maintenance.core;

import io.maintenance.api.AuditQuery;
import io.maintenance.api.AuditRecord;
import io.maintenance.api.AuditVerification;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.Inputs;
import io.maintenance.api.Maintenance;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.MetricsSummary;
import io.maintenance.api.Operation;
import io.maintenance.api.OperationKind;
import io.maintenance.api.OperationQuery;
import io.maintenance.api.ScheduleStatus;
import io.maintenance.api.TaskType;
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
import io.maintenance.core.internal.ConfigErrors;
import io.maintenance.core.internal.EngineConfig;
import io.maintenance.core.internal.EngineContext;
import io.maintenance.core.internal.Ids;
import io.maintenance.core.internal.Recovery;
import io.maintenance.core.internal.audit.AuditLog;
import io.maintenance.core.internal.backup.BackupService;
import io.maintenance.core.internal.artifacts.ArtifactPolicy;
import io.maintenance.core.internal.artifacts.Artifacts;
import io.maintenance.core.internal.backup.ManifestStore;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.core.internal.catalog.DrillCatalog;
import io.maintenance.core.internal.drills.DrillService;
import io.maintenance.core.internal.catalog.Leases;
import io.maintenance.core.internal.catalog.OperationCatalog;
import io.maintenance.core.internal.catalog.ScheduleCatalog;
import io.maintenance.core.internal.operations.Operations;
import io.maintenance.core.internal.schedules.ScheduleDefinition;
import io.maintenance.core.internal.schedules.Scheduler;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
  /** The lease kind of the orphan sweep (its task type in lower case). */
  private static final String SWEEP_KIND = "orphan_sweep";

  private final EngineContext ctx;
  private final ManifestStore manifests;
  private final BackupService backups;
  private final RestoreService restores;
  private final HousekeepingService housekeeping;
  private final Readiness readiness;
  private final Recovery recovery;
  private final Operations operations;
  private final Scheduler scheduler;
  private final DrillService drills;
  private final List<AutoCloseable> owned;

  private MaintenanceEngine(EngineContext ctx, Readiness readiness, Scheduler scheduler, DrillCatalog drillCatalog,
      DrillService.Sandboxes sandboxes, List<AutoCloseable> owned) {
    this.ctx = ctx;
    this.scheduler = scheduler;
    this.operations = new Operations(ctx.leases(), ctx.operations(), Duration.ofSeconds(10));
    this.manifests = new ManifestStore(ctx.storage(), ctx.backups());
    this.backups = new BackupService(ctx, manifests);
    this.restores = new RestoreService(ctx, manifests, backups);
    this.recovery = new Recovery(ctx, restores);
    this.housekeeping = new HousekeepingService(ctx, manifests, backups, recovery);
    this.drills = new DrillService(ctx, manifests, drillCatalog, sandboxes);
    this.readiness = readiness;
    this.owned = owned;
    // Whoever takes the lock over from an owner that is gone settles what that owner left first (the sweep
    // and start-up recovery settle as their own first step, and report it).
    ctx.leases().onTakeover(lease -> {
      if (!lease.kind().equals(SWEEP_KIND) && !lease.kind().equals("recovery")) {
        recovery.settle("engine:" + ctx.owner(), false);
      }
    });
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public BackupRecord backup(BackupRequest request, Principal principal) {
    authorize(principal, Scope.BACKUP, "backup", "-");
    return operations.run(backups.start(request, principal.name()));
  }

  @Override
  public Operation submitBackup(BackupRequest request, Principal principal) {
    authorize(principal, Scope.BACKUP, "backup", "-");
    return operations.submit(backups.start(request, principal.name()));
  }

  @Override
  public Page<BackupRecord> listBackups(BackupQuery query, Principal principal) {
    authorize(principal, Scope.READ, "backup.list", "-");
    try {
      return ctx.backups().page(query);
    } catch (MaintenanceException e) {
      if (e.code() == ErrorCode.INVALID_REQUEST) {
        recordRefusal(Optional.of(principal), "backup.list", "-", e); // a cursor this service never issued
      }
      throw e;
    }
  }

  @Override
  public Optional<BackupRecord> findBackup(String backupId, Principal principal) {
    authorize(principal, Scope.READ, "backup.get", backupId);
    Inputs.id("/backupId", backupId);
    return ctx.backups().find(backupId).map(BackupCatalog.Row::record);
  }

  @Override
  public BackupManifest manifest(String backupId, Principal principal) {
    authorize(principal, Scope.READ, "backup.manifest", backupId);
    Inputs.id("/backupId", backupId);
    return manifests.read(ctx.backups().require(backupId));
  }

  @Override
  public void deleteBackup(String backupId, Principal principal) {
    authorize(principal, Scope.HOUSEKEEPING, "backup.delete", backupId);
    operations.run(backups.delete(backupId, principal.name()));
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
    return operations.run(restores.startConfirm(token, principal.name()));
  }

  @Override
  public Operation submitRestore(String token, Principal principal) {
    authorize(principal, Scope.RESTORE_APPLY, "restore.confirm", "-");
    return operations.submit(restores.startConfirm(token, principal.name()));
  }

  @Override
  public Optional<RestoreRecord> findRestore(String requestId, Principal principal) {
    authorize(principal, Scope.READ, "restore.get", requestId);
    Inputs.id("/requestId", requestId);
    return ctx.restores().find(requestId).map(RestoreCatalog.Row::record);
  }

  @Override
  public TaskResult runTask(TaskRequest request, Principal principal) {
    authorize(principal, Scope.HOUSEKEEPING, "task." + request.type().name().toLowerCase(java.util.Locale.ROOT), "-");
    return operations.run(startTask(request, principal.name()));
  }

  @Override
  public Operation submitTask(TaskRequest request, Principal principal) {
    authorize(principal, Scope.HOUSEKEEPING, "task." + request.type().name().toLowerCase(java.util.Locale.ROOT), "-");
    return operations.submit(startTask(request, principal.name()));
  }

  @Override
  public Optional<TaskResult> findTask(String taskId, Principal principal) {
    authorize(principal, Scope.READ, "task.get", taskId);
    Inputs.id("/taskId", taskId);
    return ctx.tasks().find(taskId);
  }

  @Override
  public Optional<Operation> findOperation(String operationId, Principal principal) {
    authorize(principal, Scope.READ, "operation.get", operationId);
    Inputs.id("/operationId", operationId);
    return ctx.operations().find(operationId);
  }

  @Override
  public Page<Operation> listOperations(OperationQuery query, Principal principal) {
    authorize(principal, Scope.READ, "operation.list", "-");
    try {
      return ctx.operations().page(query);
    } catch (MaintenanceException e) {
      if (e.code() == ErrorCode.INVALID_REQUEST) {
        recordRefusal(Optional.of(principal), "operation.list", "-", e);
      }
      throw e;
    }
  }

  @Override
  public Operation cancelOperation(String operationId, Principal principal) {
    Objects.requireNonNull(principal, "principal");
    Inputs.id("/operationId", operationId);
    // The scope depends on what is cancelled: reading the operation first needs READ, as finding it does.
    authorize(principal, Scope.READ, "operation.cancel", operationId);
    Operation op = ctx.operations().find(operationId).orElseThrow(() -> new MaintenanceException(ErrorCode.NOT_FOUND,
        "no operation " + operationId, Map.of("operationId", operationId)));
    Scope needed = op.kind().scope().orElse(null);
    if (needed == null) {
      MaintenanceException e = new MaintenanceException(ErrorCode.INVALID_REQUEST, "operation " + operationId + " is the engine's "
          + op.kind().name().toLowerCase(java.util.Locale.ROOT) + ", which cannot be cancelled", Map.of("operationId", operationId));
      recordRefusal(Optional.of(principal), "operation.cancel", operationId, e);
      throw e;
    }
    authorize(principal, needed, "operation.cancel", operationId);
    if (op.status().finished()) {
      return op;
    }
    String by = principal.name();
    if (ctx.operations().requestCancel(operationId, by)) {
      ctx.audit(by, "operation.cancel", "success", operationId, AuditLog.details("kind", op.kind().name(), "target", op.target()));
      // Running here: stop at the next check rather than at the next heartbeat.
      ctx.leases().held(operationId).ifPresent(l -> l.cancel(by));
    }
    return ctx.operations().find(operationId).orElse(op);
  }

  @Override
  public List<ScheduleStatus> schedules(Principal principal) {
    authorize(principal, Scope.READ, "schedule.list", "-");
    return scheduler.status();
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
  public void recordRefusal(Optional<Principal> principal, String action, String target, MaintenanceException reason) {
    ctx.metrics().refused(reason.code());
    principal.ifPresent(p -> ctx.audit(p.name(), action, reason.code().name(), target,
        AuditLog.details("reason", reason.getMessage())));
  }

  @Override
  public void close() {
    scheduler.close();
    operations.close();
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
      MaintenanceException refusal = new MaintenanceException(ErrorCode.FORBIDDEN, principal.name() + " lacks scope "
          + scope.value() + " for " + action, Map.of("requiredScope", scope.value()));
      ctx.metrics().refused(ErrorCode.FORBIDDEN);
      ctx.audit(principal.name(), action, ErrorCode.FORBIDDEN.name(), target, AuditLog.details("requiredScope", scope.value()));
      throw refusal;
    }
  }

  /** Starts what a schedule runs, in the background, as {@code schedule:<name>}. */
  private Operation launch(ScheduleDefinition s) {
    String actor = "schedule:" + s.name();
    io.maintenance.core.internal.operations.Job<?> job = s.backup().isPresent() ? backups.start(s.backup().get(), actor)
        : startTask(s.task().orElseThrow(), actor);
    String id = job.lease().id();
    ctx.operations().tagSchedule(id, s.name());
    return operations.submit(job, result -> {
      boolean ok = scheduler.finished(s, id);
      if (ok && s.retentionAfter()) {
        try {
          io.maintenance.core.internal.operations.Job<TaskResult> retention = housekeeping.start(TaskRequest.builder(TaskType.RETENTION)
              .build(), actor);
          ctx.operations().tagSchedule(retention.lease().id(), s.name());
          operations.run(retention);
        } catch (MaintenanceException e) {
          scheduler.note(s, "backup " + id + " succeeded; the retention after it failed: " + e.code() + ": " + e.getMessage());
        }
      }
    });
  }

  /** A housekeeping task or a restore drill, checked and holding its lease. */
  private io.maintenance.core.internal.operations.Job<TaskResult> startTask(TaskRequest request, String actor) {
    return request.type() == TaskType.DRILL ? drills.start(request, actor) : housekeeping.start(request, actor);
  }

  /** Settles what a crashed process left behind, if no other replica is working right now. */
  private void recover() {
    Leases.Lease lease;
    try {
      lease = ctx.leases().exclusive("recovery", "-", "engine:" + ctx.owner());
    } catch (MaintenanceException e) {
      LOG.info("Start-up recovery skipped ({}); rows of gone processes are settled by the next operation that takes the"
          + " lock over, or by the orphan sweep", e.getMessage());
      return;
    }
    try (lease) {
      try {
        recovery.settle("engine:" + ctx.owner(), false);
        lease.succeeded();
      } catch (MaintenanceException e) {
        lease.failed(e);
        throw e;
      }
    } catch (MaintenanceException e) {
      LOG.warn("Start-up recovery did not finish ({}); the orphan sweep settles what is left", e.toString());
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
    private String backupFolder = "backups";
    private ArtifactPolicy artifactPolicy = ArtifactPolicy.DEFAULT;
    private final List<AuditSink> auditSinks = new ArrayList<>();
    private boolean installSchema = true;
    private String instanceName;
    private ClassLoader classLoader = MaintenanceEngine.class.getClassLoader();
    private Duration probeTimeout = Duration.ofSeconds(5);
    private Duration leaseTimeout = Duration.ofSeconds(30);
    private Duration catalogTimeout = Duration.ofSeconds(15);
    private Duration partialUploadAge = Duration.ofHours(1);
    private Duration progressInterval = Duration.ofSeconds(1);
    private final Map<String, Map<String, String>> schedules = new LinkedHashMap<>();
    private Duration schedulerPollInterval = Duration.ofSeconds(5);
    private boolean schedulerEnabled = true;
    private final Map<String, Map<String, String>> drillConfigs = new LinkedHashMap<>();
    private final Map<String, DrillService.Sandbox> drillSandboxes = new LinkedHashMap<>();
    /** Configuration problems found by {@link #configure}, reported by {@link #build} with the plugins' own. */
    private final List<MaintenanceException> configProblems = new ArrayList<>();

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
     * {@code backup-folder=backups}, {@code lease-timeout=30s}, {@code catalog-timeout=15s},
     * {@code sweep.partial-upload-age=1h}, {@code artifacts.compression=zstd}, {@code artifacts.encryption=keyset},
     * {@code artifacts.encryption.keyset-file=/etc/maintenance/kek.json}, ... (see the architecture docs).
     */
    public Builder configure(Map<String, String> properties) {
      EngineConfig c = EngineConfig.parse(properties, restorePolicy, retentionPolicy);
      // Reported by build() together with what the plugins find, so one start names every mistake.
      configProblems.addAll(c.problems());
      c.storage().ifPresent(st -> storage(st.getKey(), st.getValue()));
      c.datastores().forEach((id, d) -> datastore(d.getKey(), id, d.getValue()));
      c.backupFolder().ifPresent(this::backupFolder);
      c.leaseTimeout().ifPresent(this::leaseTimeout);
      c.catalogTimeout().ifPresent(this::catalogTimeout);
      c.partialUploadAge().ifPresent(this::partialUploadAge);
      c.artifacts().ifPresent(a -> artifactPolicy = a);
      c.progressInterval().ifPresent(this::progressInterval);
      c.schedules().forEach(this::schedule);
      c.schedulerPollInterval().ifPresent(this::schedulerPollInterval);
      c.schedulerEnabled().ifPresent(this::schedulerEnabled);
      c.drills().forEach(this::drill);
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
    public Builder backupFolder(String folder) {
      this.backupFolder = Objects.requireNonNull(folder, "folder");
      return this;
    }

    /** The old name of {@link #backupFolder}. */
    @Deprecated(since = "0.2.0", forRemoval = true)
    public Builder storagePrefix(String prefix) {
      return backupFolder(prefix);
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

    /**
     * How long the operation lock's lease lives without a heartbeat (default 30 s; a heartbeat runs every
     * fifth of it). An operation whose lease the catalog has not confirmed for this long (minus one
     * heartbeat) stops with {@code LEASE_LOST}; after a crash, other replicas wait this long before they
     * settle what the crashed process left.
     */
    public Builder leaseTimeout(Duration timeout) {
      this.leaseTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /**
     * The longest a single catalog call waits (default 15 s): connections the catalog refuses are tried
     * again within it, and a statement with no answer for that long fails with {@code DEPENDENCY_UNAVAILABLE}.
     */
    public Builder catalogTimeout(Duration timeout) {
      this.catalogTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** How long a partial upload no session knows must have been left unwritten before the orphan sweep removes it (default 1 h). */
    public Builder partialUploadAge(Duration age) {
      this.partialUploadAge = Objects.requireNonNull(age);
      return this;
    }

    /**
     * How often a running operation writes its phase and progress to the catalog and reads whether it was
     * cancelled (default 1 s; at least 50 ms). Its lease's heartbeat rides along.
     */
    public Builder progressInterval(Duration interval) {
      this.progressInterval = Objects.requireNonNull(interval);
      return this;
    }

    /**
     * A schedule, from the keys after {@code schedules.<name>.}: {@code cron} (five fields, as crontab),
     * {@code kind} (backup, or a task: retention, verify, reindex, orphan_sweep, rekey), {@code datastores},
     * {@code type}, {@code pinned}, {@code labels.<k>}, {@code retention} (run RETENTION after each backup),
     * {@code missed} (run-once or skip), {@code jitter}, {@code grace}, {@code starting-deadline}, {@code time-zone},
     * {@code dry-run}. Checked when the engine is built.
     */
    public Builder schedule(String name, Map<String, String> settings) {
      schedules.put(name, Map.copyOf(settings));
      return this;
    }

    /**
     * A restore drill for a datastore, from the keys after {@code drills.<datastore>.}: {@code sandbox.<key>}, the
     * plugin settings (of the datastore's own type) of its sandbox, a scratch database, graph or collection that
     * only drills write; and {@code max-age} (e.g. {@code 8d}; default none): readiness reports {@code drill:<datastore>}
     * DEGRADED when no drill passed within it. The sandbox's plugin must support {@code discard}. Checked when the
     * engine is built.
     */
    public Builder drill(String datastoreId, Map<String, String> settings) {
      drillConfigs.put(datastoreId, Map.copyOf(settings));
      return this;
    }

    /**
     * A restore drill into a sandbox the host built itself (with the source datastore's id and type; the host
     * closes it); {@code maxAge} may be null (no readiness entry).
     */
    public Builder drill(String datastoreId, Datastore sandbox, Duration maxAge) {
      drillSandboxes.put(datastoreId, new DrillService.Sandbox(sandbox, Optional.ofNullable(maxAge)));
      return this;
    }

    /** How often this replica looks for due schedules (default 5 s). */
    public Builder schedulerPollInterval(Duration interval) {
      this.schedulerPollInterval = Objects.requireNonNull(interval);
      return this;
    }

    /** Whether this replica fires schedules (default true); a replica that does not still reports them. */
    public Builder schedulerEnabled(boolean enabled) {
      this.schedulerEnabled = enabled;
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
      try {
        return build(plugins, owned);
      } catch (RuntimeException e) {
        // Nothing the builder created may outlive a failed start (connections, threads).
        for (AutoCloseable c : owned) {
          try {
            c.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw e;
      }
    }

    private MaintenanceEngine build(Plugins plugins, List<AutoCloseable> owned) {
      ConfigErrors errors = new ConfigErrors();
      configProblems.forEach(errors::add);
      StorageProvider store = storage;
      if (store == null && storageName == null) {
        errors.add(new MaintenanceException(ErrorCode.CONFIG_INVALID, "no storage configured; use storage(provider) or storage(name, config)"));
      } else if (store == null && storageName != null) {
        PluginConfig config = PluginConfig.collecting("storage " + storageName, storageConfig);
        store = create(errors, config, () -> plugins.storage(storageName).create(config), owned);
      }
      Map<String, Datastore> all = new LinkedHashMap<>(datastores);
      for (var e : datastoreConfigs.entrySet()) {
        String id = e.getKey();
        String type = e.getValue().getKey();
        PluginConfig config = PluginConfig.collecting("datastore " + id + " (" + type + ")", e.getValue().getValue());
        Datastore ds = create(errors, config, () -> plugins.datastore(type).create(id, config), owned);
        if (ds != null) {
          all.put(id, ds);
        }
      }
      if (all.isEmpty() && errors.isEmpty()) {
        errors.add(new MaintenanceException(ErrorCode.CONFIG_INVALID, "no datastores configured"));
      }
      Map<String, DrillService.Sandbox> sandboxMap = sandboxes(plugins, errors, all, owned);
      List<ScheduleDefinition> definitions = new ArrayList<>();
      schedules.forEach((name, settings) -> {
        ScheduleDefinition d = errors.collect(() -> ScheduleDefinition.parse(name, settings));
        if (d != null && errors.collect(() -> {
          checkScheduleTargets(d, all, sandboxMap.keySet());
          return d;
        }) != null) {
          definitions.add(d);
        }
      });
      errors.throwIfAny();
      for (var e : all.entrySet()) {
        if (!e.getKey().equals(e.getValue().id())) {
          throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "datastore registered as " + e.getKey() + " reports id " + e.getValue().id());
        }
      }
      Artifacts artifacts = Artifacts.start(artifactPolicy);
      List<AuditSink> sinks = new ArrayList<>(auditSinks);
      ServiceLoader.load(AuditSink.class, classLoader).forEach(sinks::add);

      Db db = new Db(dataSource, catalogTimeout);
      SchemaInstaller schema = new SchemaInstaller(db, clock);
      if (installSchema) {
        schema.install();
      }
      String instance = instanceName != null ? instanceName : ManagementFactory.getRuntimeMXBean().getName();
      String owner = instance + "/" + Ids.random(4);
      ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "maintenance-lease");
        t.setDaemon(true);
        return t;
      });
      owned.add(0, scheduler::shutdownNow);
      BackupCatalog backupCatalog = new BackupCatalog(db);
      RestoreCatalog restoreCatalog = new RestoreCatalog(db);
      Map<String, Datastore> datastoreMap = Map.copyOf(all);
      Leases leases = new Leases(db, owner, leaseTimeout, progressInterval, scheduler, clock);
      Scheduler schedulerService = new Scheduler(definitions, new ScheduleCatalog(db), leases, clock, schedulerPollInterval,
          scheduler);
      DrillCatalog drillCatalog = new DrillCatalog(db);
      DrillService.Sandboxes sandboxes = new DrillService.Sandboxes(sandboxMap, drillCatalog, clock);
      List<String> extraComponents = new ArrayList<>();
      definitions.forEach(d -> extraComponents.add("schedule:" + d.name()));
      extraComponents.addAll(sandboxes.components());
      Readiness readiness = new Readiness(db, schema, store, datastoreMap, clock, probeTimeout, extraComponents, () -> {
        List<io.maintenance.api.ProbeResult> checks = new ArrayList<>(schedulerService.probes());
        checks.addAll(sandboxes.probes());
        return checks;
      });
      EngineMetrics metrics = new EngineMetrics(Optional.ofNullable(meterRegistry), clock, backupCatalog, restoreCatalog,
          Duration.ofSeconds(15), all.keySet(), readiness.components(), readiness::check,
          new EngineMetrics.Sources(definitions.stream().map(ScheduleDefinition::name).toList(), schedulerService::status,
              sandboxes.datastores(), sandboxes::lastPassed));
      EngineContext ctx = new EngineContext(clock, owner, engineVersion(), store, backupFolder, datastoreMap,
          backupCatalog, restoreCatalog, new TaskCatalog(db), new UploadSessionCatalog(db, clock, owner),
          leases, new AuditLog(db, sinks), metrics, restorePolicy, retentionPolicy,
          artifacts, backupCatalog.deploymentId(), partialUploadAge, new OperationCatalog(db));
      MaintenanceEngine engine = new MaintenanceEngine(ctx, readiness, schedulerService, drillCatalog, sandboxes, owned);
      engine.recover();
      if (schedulerEnabled) {
        schedulerService.start(engine::launch);
      }
      LOG.info("Maintenance engine {} started as {}: storage {}, datastores {}, deployment {}", ctx.engineVersion(), owner,
          store.name(), all.keySet(), ctx.deploymentId());
      return engine;
    }

    /**
     * The drill sandboxes: each a plugin instance of its datastore's type, created from {@code drills.<id>.sandbox.*}
     * with the datastore's id (so the plugin's checks of a manifest pass) and never registered as a datastore.
     * Mistakes go to {@code errors} with everything else.
     */
    private Map<String, DrillService.Sandbox> sandboxes(Plugins plugins, ConfigErrors errors, Map<String, Datastore> all,
        List<AutoCloseable> owned) {
      Map<String, DrillService.Sandbox> out = new LinkedHashMap<>();
      drillSandboxes.forEach((id, sandbox) -> {
        Datastore source = all.get(id);
        if (source == null || drillConfigs.containsKey(id)) {
          errors.add(new MaintenanceException(ErrorCode.CONFIG_INVALID, source == null ? "a drill sandbox is given for " + id
              + ", which is not a configured datastore" : "the drill of " + id + " is configured twice",
              Map.of("key", "drills." + id)));
        } else if (errors.collect(() -> checkSandbox(id, source, sandbox.datastore())) != null) {
          out.put(id, sandbox);
        }
      });
      for (var e : drillConfigs.entrySet()) {
        String id = e.getKey();
        String prefix = "drills." + id;
        Datastore source = all.get(id);
        if (source == null) {
          if (!datastoreConfigs.containsKey(id)) { // one that failed to start was reported already
            errors.add(new MaintenanceException(ErrorCode.CONFIG_INVALID, "'" + prefix + ".*' names " + id
                + ", which is not a configured datastore; configured: " + String.join(", ", new java.util.TreeSet<>(all.keySet())),
                Map.of("key", prefix)));
          }
          continue;
        }
        Map<String, String> sandboxConfig = new java.util.TreeMap<>();
        Map<String, String> own = new java.util.TreeMap<>();
        e.getValue().forEach((k, v) -> {
          if (k.startsWith("sandbox.")) {
            sandboxConfig.put(k.substring("sandbox.".length()), v);
          } else {
            own.put(k, v);
          }
        });
        PluginConfig drillConfig = PluginConfig.collecting(prefix, own);
        Optional<Duration> maxAge = drillConfig.optional("max-age").map(v -> drillConfig.duration("max-age", null));
        if (maxAge.isPresent() && (maxAge.get().isNegative() || maxAge.get().isZero())) {
          errors.add(drillConfig.invalid("max-age", "must be a positive duration such as 8d"));
        }
        drillConfig.problems().forEach(errors::add);
        errors.collect(() -> {
          drillConfig.requireAllRead();
          return null;
        });
        if (sandboxConfig.isEmpty()) {
          errors.add(new MaintenanceException(ErrorCode.CONFIG_INVALID, "'" + prefix + ".sandbox.*' is required: the settings"
              + " of the scratch " + source.type() + " target the drill restores into", Map.of("key", prefix + ".sandbox")));
          continue;
        }
        PluginConfig config = PluginConfig.collecting("drill sandbox of " + id + " (" + source.type() + ", " + prefix
            + ".sandbox.*)", sandboxConfig);
        Datastore sandbox = create(errors, config, () -> plugins.datastore(source.type()).create(id, config), owned);
        if (sandbox != null && errors.collect(() -> checkSandbox(id, source, sandbox)) != null && drillConfig.problems().isEmpty()) {
          out.put(id, new DrillService.Sandbox(sandbox, maxAge.filter(d -> !d.isNegative() && !d.isZero())));
        }
      }
      return out;
    }

    private static Datastore checkSandbox(String id, Datastore source, Datastore sandbox) {
      if (!sandbox.supportsDiscard()) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "the drill sandbox of " + id + " is a " + sandbox.type()
            + " datastore, which cannot discard what a drill restored; drills need a plugin that supports discard",
            Map.of("key", "drills." + id + ".sandbox"));
      }
      if (!sandbox.type().equals(source.type()) || !sandbox.id().equals(id)) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "the drill sandbox of " + id + " must be a " + source.type()
            + " datastore with id " + id + ", was " + sandbox.type() + " " + sandbox.id(), Map.of("key", "drills." + id + ".sandbox"));
      }
      return sandbox;
    }

    /** A schedule names only configured datastores (a drill schedule: only datastores with a sandbox). */
    private void checkScheduleTargets(ScheduleDefinition d, Map<String, Datastore> all, java.util.Set<String> sandboxes) {
      java.util.Set<String> named = d.backup().map(BackupRequest::datastores)
          .orElseGet(() -> d.task().map(TaskRequest::datastores).orElse(java.util.Set.of()));
      String key = "schedules." + d.name() + ".datastores";
      for (String id : named) {
        if (!all.containsKey(id)) {
          throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "'" + key + "' names " + id + ", which is not a configured datastore",
              Map.of("key", key));
        }
      }
      boolean drill = d.task().map(t -> t.type() == TaskType.DRILL).orElse(false);
      if (drill && (sandboxes.isEmpty() || !sandboxes.containsAll(named))) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "schedule " + d.name() + " runs drills, but "
            + (sandboxes.isEmpty() ? "no datastore has a drill sandbox" : "not every datastore in '" + key + "' has one")
            + "; configure drills.<datastore>.sandbox.*", Map.of("key", key));
      }
    }

    /**
     * Creates one plugin from its collecting config; every missing or bad value and every unknown key goes
     * to {@code errors} (and the plugin, if it was created, is closed with the rest). What a factory throws
     * after a bad value was recorded is a consequence of it and only kept as suppressed.
     */
    private static <T extends AutoCloseable> T create(ConfigErrors errors, PluginConfig config,
        java.util.function.Supplier<T> factory, List<AutoCloseable> owned) {
      T created;
      try {
        created = factory.get();
      } catch (RuntimeException e) {
        List<MaintenanceException> recorded = config.problems();
        if (recorded.isEmpty()) {
          if (e instanceof MaintenanceException me && me.code() == ErrorCode.CONFIG_INVALID) {
            errors.add(me);
            return null;
          }
          throw e;
        }
        recorded.forEach(errors::add);
        boolean independent = e instanceof MaintenanceException me && me.code() == ErrorCode.CONFIG_INVALID
            && recorded.stream().noneMatch(p -> Objects.equals(p.details().get("key"), me.details().get("key")));
        if (independent) {
          errors.add((MaintenanceException) e);
        } else {
          recorded.get(0).addSuppressed(e);
        }
        return null;
      }
      owned.add(created);
      config.problems().forEach(errors::add);
      errors.collect(() -> {
        config.requireAllRead();
        return null;
      });
      return config.problems().isEmpty() ? created : null;
    }

    private static String engineVersion() {
      String v = MaintenanceEngine.class.getPackage().getImplementationVersion();
      return v == null ? "dev" : v;
    }
  }
}
