package io.maintenance.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;
import org.springframework.util.unit.DataSize;

/**
 * The {@code maintenance.*} settings: the engine's flat properties (storage, datastores, restore, retention)
 * plus what the starter adds (catalog, web, security, metrics). Bound and checked at start-up by
 * {@link MaintenanceAutoConfiguration}, which reports every problem at once; unknown keys are refused (except
 * in environment variables, where other programs' MAINTENANCE_* variables may live).
 */
@ConfigurationProperties(prefix = "maintenance")
public class MaintenanceProperties {
  /** Whether to start the maintenance engine at all. */
  private boolean enabled = true;

  /**
   * The storage for backups: 'type' names the provider (local, s3, gcs); every other key goes to the provider,
   * e.g. maintenance.storage.path for local or maintenance.storage.bucket and region for S3.
   */
  private Map<String, String> storage = new LinkedHashMap<>();

  /** Folder in storage under which backup sets go. */
  /** Folder in storage under which backup sets go. */
  private String backupFolder = "backups";
  private String storagePrefix;

  /**
   * The datastores to back up, by id: maintenance.datastores.ID.type names the plugin (postgres, falkordb, qdrant);
   * every other key goes to the plugin, e.g. maintenance.datastores.orders.url.
   */
  private Map<String, Map<String, String>> datastores = new LinkedHashMap<>();

  /**
   * How backup artifacts are stored: compression (zstd, gzip, none) and encryption, e.g.
   * maintenance.artifacts.compression=zstd or maintenance.artifacts.encryption=keyset (see docs/artifacts.md).
   */
  private Map<String, String> artifacts = new LinkedHashMap<>();
  /**
   * Schedules, one per name, with the engine's schedule keys, e.g. maintenance.schedules.nightly.cron=0 2 * * * and
   * maintenance.schedules.nightly.retention=true (see docs/maintenance-core.md#schedules).
   */
  private Map<String, Map<String, String>> schedules = new LinkedHashMap<>();

  /**
   * Restore drills, one per datastore, with the engine's drill keys, e.g.
   * maintenance.drills.orders.sandbox.url=jdbc:postgresql://db/orders_drill and maintenance.drills.orders.max-age=8d
   * (see docs/maintenance-core.md#restore-drills).
   */
  private Map<String, Map<String, String>> drills = new LinkedHashMap<>();

  /** How this instance appears in catalog rows (default: host and process id). */
  private String instanceName;

  /** Time limit of each readiness probe. */
  private Duration probeTimeout = Duration.ofSeconds(5);

  private final Restore restore = new Restore();
  private final Retention retention = new Retention();
  private final Catalog catalog = new Catalog();
  private final Web web = new Web();
  private final Security security = new Security();
  private final Metrics metrics = new Metrics();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Map<String, String> getStorage() {
    return storage;
  }

  public void setStorage(Map<String, String> storage) {
    this.storage = storage;
  }

  public String getBackupFolder() {
    return backupFolder;
  }

  public void setBackupFolder(String backupFolder) {
    this.backupFolder = backupFolder;
  }

  /** The old name of {@code maintenance.backup-folder}; when set, it wins (with a deprecation warning from the IDE). */
  @Deprecated(since = "0.2.0", forRemoval = true)
  @DeprecatedConfigurationProperty(replacement = "maintenance.backup-folder")
  public String getStoragePrefix() {
    return storagePrefix;
  }

  @Deprecated(since = "0.2.0", forRemoval = true)
  public void setStoragePrefix(String storagePrefix) {
    this.storagePrefix = storagePrefix;
  }

  public Map<String, Map<String, String>> getDatastores() {
    return datastores;
  }

  public void setDatastores(Map<String, Map<String, String>> datastores) {
    this.datastores = datastores;
  }

  public Map<String, String> getArtifacts() {
    return artifacts;
  }

  public void setArtifacts(Map<String, String> artifacts) {
    this.artifacts = artifacts;
  }

  public Map<String, Map<String, String>> getSchedules() {
    return schedules;
  }

  public void setSchedules(Map<String, Map<String, String>> schedules) {
    this.schedules = schedules;
  }

  public Map<String, Map<String, String>> getDrills() {
    return drills;
  }

  public void setDrills(Map<String, Map<String, String>> drills) {
    this.drills = drills;
  }

  public String getInstanceName() {
    return instanceName;
  }

  public void setInstanceName(String instanceName) {
    this.instanceName = instanceName;
  }

  public Duration getProbeTimeout() {
    return probeTimeout;
  }

  public void setProbeTimeout(Duration probeTimeout) {
    this.probeTimeout = probeTimeout;
  }

  public Restore getRestore() {
    return restore;
  }

  public Retention getRetention() {
    return retention;
  }

  public Catalog getCatalog() {
    return catalog;
  }

  public Web getWeb() {
    return web;
  }

  public Security getSecurity() {
    return security;
  }

  public Metrics getMetrics() {
    return metrics;
  }

  /** Rules for restores. */
  public static class Restore {
    /** Approvals by people other than the requester before a restore may be confirmed. */
    private int approvalsRequired = 0;

    /** How long a preview (its token and approvals) stays valid. */
    private Duration tokenTtl = Duration.ofMinutes(15);

    /** Whether confirm backs up the target first, unless the request says otherwise. */
    private boolean safetyBackup = false;

    public int getApprovalsRequired() {
      return approvalsRequired;
    }

    public void setApprovalsRequired(int approvalsRequired) {
      this.approvalsRequired = approvalsRequired;
    }

    public Duration getTokenTtl() {
      return tokenTtl;
    }

    public void setTokenTtl(Duration tokenTtl) {
      this.tokenTtl = tokenTtl;
    }

    public boolean isSafetyBackup() {
      return safetyBackup;
    }

    public void setSafetyBackup(boolean safetyBackup) {
      this.safetyBackup = safetyBackup;
    }
  }

  /** Which backups the RETENTION task keeps; nothing set keeps everything. */
  public static class Retention {
    /** Keep the newest N backups. */
    private Integer keepLast;

    /** Keep every backup younger than this. */
    private Duration keepWithin;

    /** Keep the newest backup of each of the last N days. */
    private Integer keepDaily;

    /** Keep the newest backup of each of the last N weeks. */
    private Integer keepWeekly;

    /** Keep the newest backup of each of the last N months. */
    private Integer keepMonthly;

    public Integer getKeepLast() {
      return keepLast;
    }

    public void setKeepLast(Integer keepLast) {
      this.keepLast = keepLast;
    }

    public Duration getKeepWithin() {
      return keepWithin;
    }

    public void setKeepWithin(Duration keepWithin) {
      this.keepWithin = keepWithin;
    }

    public Integer getKeepDaily() {
      return keepDaily;
    }

    public void setKeepDaily(Integer keepDaily) {
      this.keepDaily = keepDaily;
    }

    public Integer getKeepWeekly() {
      return keepWeekly;
    }

    public void setKeepWeekly(Integer keepWeekly) {
      this.keepWeekly = keepWeekly;
    }

    public Integer getKeepMonthly() {
      return keepMonthly;
    }

    public void setKeepMonthly(Integer keepMonthly) {
      this.keepMonthly = keepMonthly;
    }

    boolean isEmpty() {
      return keepLast == null && keepWithin == null && keepDaily == null && keepWeekly == null && keepMonthly == null;
    }
  }

  /**
   * Where the catalog tables live. By default in the application's DataSource (or the one qualified with
   * {@link MaintenanceDataSource}); set url to use another database.
   */
  public static class Catalog {
    /** JDBC URL of a separate catalog database; the starter then builds and closes its own pool. */
    private String url;

    /** User of the separate catalog database. */
    private String username;

    /** Password of the separate catalog database. */
    private String password;

    /** Whether the engine creates and upgrades the catalog tables at start; turn off when Flyway or Liquibase applies them. */
    private boolean installSchema = true;

    public String getUrl() {
      return url;
    }

    public void setUrl(String url) {
      this.url = url;
    }

    public String getUsername() {
      return username;
    }

    public void setUsername(String username) {
      this.username = username;
    }

    public String getPassword() {
      return password;
    }

    public void setPassword(String password) {
      this.password = password;
    }

    public boolean isInstallSchema() {
      return installSchema;
    }

    public void setInstallSchema(boolean installSchema) {
      this.installSchema = installSchema;
    }
  }

  /** The admin routes on the application's web stack (Spring MVC or WebFlux). */
  public static class Web {
    /** Whether to mount the admin routes. */
    private boolean enabled = true;

    /** Path under which the admin routes are mounted, e.g. /maintenance/backups. */
    private String basePath = "/maintenance";

    /** Largest request body accepted; larger ones are refused before anything runs. */
    private DataSize maxBodySize = DataSize.ofKilobytes(64);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getBasePath() {
      return basePath;
    }

    public void setBasePath(String basePath) {
      this.basePath = basePath;
    }

    public DataSize getMaxBodySize() {
      return maxBodySize;
    }

    public void setMaxBodySize(DataSize maxBodySize) {
      this.maxBodySize = maxBodySize;
    }
  }

  /** How Spring Security authorities become maintenance scopes. */
  public static class Security {
    private final Authorities authorities = new Authorities();

    public Authorities getAuthorities() {
      return authorities;
    }
  }

  /**
   * Authorities that grant each scope, e.g. maintenance.security.authorities.backup=ROLE_OPERATOR. An authority
   * equal to the scope (maintenance:backup) or to SCOPE_ plus the scope (an OAuth2 token scope) always grants it.
   */
  public static class Authorities {
    /** Authorities granting maintenance:read (list backups and restores, readiness, metrics, audit). */
    private List<String> read = new ArrayList<>();

    /** Authorities granting maintenance:backup. */
    private List<String> backup = new ArrayList<>();

    /** Authorities granting maintenance:restore:preview. */
    private List<String> restorePreview = new ArrayList<>();

    /** Authorities granting maintenance:restore:approve. */
    private List<String> restoreApprove = new ArrayList<>();

    /** Authorities granting maintenance:restore:apply. */
    private List<String> restoreApply = new ArrayList<>();

    /** Authorities granting maintenance:housekeeping (tasks, deleting backups). */
    private List<String> housekeeping = new ArrayList<>();

    public List<String> getRead() {
      return read;
    }

    public void setRead(List<String> read) {
      this.read = read;
    }

    public List<String> getBackup() {
      return backup;
    }

    public void setBackup(List<String> backup) {
      this.backup = backup;
    }

    public List<String> getRestorePreview() {
      return restorePreview;
    }

    public void setRestorePreview(List<String> restorePreview) {
      this.restorePreview = restorePreview;
    }

    public List<String> getRestoreApprove() {
      return restoreApprove;
    }

    public void setRestoreApprove(List<String> restoreApprove) {
      this.restoreApprove = restoreApprove;
    }

    public List<String> getRestoreApply() {
      return restoreApply;
    }

    public void setRestoreApply(List<String> restoreApply) {
      this.restoreApply = restoreApply;
    }

    public List<String> getHousekeeping() {
      return housekeeping;
    }

    public void setHousekeeping(List<String> housekeeping) {
      this.housekeeping = housekeeping;
    }
  }

  /** The engine's meters in the application's MeterRegistry. */
  public static class Metrics {
    /** Whether to register the engine's meters in the application's MeterRegistry (its /metrics/prometheus route has them anyway). */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}
