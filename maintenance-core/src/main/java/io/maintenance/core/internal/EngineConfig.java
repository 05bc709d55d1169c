package io.maintenance.core.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RetentionPolicy;
import io.maintenance.core.internal.artifacts.ArtifactPolicy;
import io.maintenance.spi.PluginConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Engine settings from flat properties ({@code storage.type}, {@code datastores.<id>.type}, {@code restore.*},
 * {@code retention.*}, {@code artifacts.*}, {@code schedules.*}, {@code drills.*}, {@code backup-folder}); unknown top-level keys are refused so typos do not pass silently.
 */
public record EngineConfig(
    Optional<Map.Entry<String, Map<String, String>>> storage,
    Map<String, Map.Entry<String, Map<String, String>>> datastores,
    Optional<String> backupFolder,
    RestorePolicy restorePolicy,
    RetentionPolicy retentionPolicy,
    Optional<ArtifactPolicy> artifacts,
    Optional<java.time.Duration> leaseTimeout,
    Optional<java.time.Duration> catalogTimeout,
    Optional<java.time.Duration> partialUploadAge,
    Optional<java.time.Duration> progressInterval,
    Map<String, Map<String, String>> schedules,
    Optional<java.time.Duration> schedulerPollInterval,
    Optional<Boolean> schedulerEnabled,
    Map<String, Map<String, String>> drills,
    List<MaintenanceException> problems) {

  private static final Logger LOG = LoggerFactory.getLogger(EngineConfig.class);
  /** Renamed because it was one character from the storage plugins' {@code storage.key-prefix} (then {@code storage.prefix}). */
  private static final String DEPRECATED_FOLDER_KEY = "storage-prefix";
  private static final Set<String> RESTORE_KEYS = Set.of("approvals-required", "token-ttl", "safety-backup");
  private static final Set<String> RETENTION_KEYS = Set.of("keep-last", "keep-within", "keep-daily", "keep-weekly", "keep-monthly");
  private static final Set<String> ENGINE_KEYS = Set.of("lease-timeout", "catalog-timeout", "sweep.partial-upload-age",
      "operations.progress-interval", "scheduler.poll-interval", "scheduler.enabled");

  /**
   * Parses every key; unknown keys and bad values do not stop it but are listed in {@link #problems()}
   * (with defaults in their place), so that the engine reports them together with its plugins' problems.
   */
  public static EngineConfig parse(Map<String, String> props, RestorePolicy restoreDefaults, RetentionPolicy retentionDefaults) {
    ConfigErrors errors = new ConfigErrors();
    Map<String, String> storage = new TreeMap<>();
    Map<String, Map<String, String>> datastores = new LinkedHashMap<>();
    Map<String, String> restore = new TreeMap<>();
    Map<String, String> retention = new TreeMap<>();
    Map<String, String> artifacts = new TreeMap<>();
    Optional<String> prefix = Optional.empty();
    Map<String, String> engine = new TreeMap<>();
    Map<String, Map<String, String>> schedules = new TreeMap<>();
    Map<String, Map<String, String>> drills = new TreeMap<>();
    for (var e : new TreeMap<>(props).entrySet()) {
      String k = e.getKey();
      if (ENGINE_KEYS.contains(k)) {
        engine.put(k, e.getValue());
      } else if (k.startsWith("schedules.")) {
        section(k, e.getValue(), "schedules.", schedules, errors, "schedules.<name>.<key>");
      } else if (k.startsWith("drills.")) {
        section(k, e.getValue(), "drills.", drills, errors, "drills.<datastore>.max-age or drills.<datastore>.sandbox.<key>");
      } else if (k.startsWith("storage.")) {
        storage.put(k.substring("storage.".length()), e.getValue());
      } else if (k.startsWith("datastores.")) {
        section(k, e.getValue(), "datastores.", datastores, errors, "datastores.<id>.<key>");
      } else if (k.startsWith("restore.") && RESTORE_KEYS.contains(k.substring(8))) {
        restore.put(k.substring(8), e.getValue());
      } else if (k.startsWith("retention.") && RETENTION_KEYS.contains(k.substring(10))) {
        retention.put(k.substring(10), e.getValue());
      } else if (k.startsWith("artifacts.")) {
        artifacts.put(k.substring("artifacts.".length()), e.getValue());
      } else if (k.equals("backup-folder") || k.equals(DEPRECATED_FOLDER_KEY)) {
        if (prefix.isPresent()) {
          errors.add(invalid(DEPRECATED_FOLDER_KEY, "is the old name of backup-folder; set only backup-folder"));
        } else if (k.equals(DEPRECATED_FOLDER_KEY)) {
          LOG.warn("engine setting '{}' is deprecated; it is now called 'backup-folder'", DEPRECATED_FOLDER_KEY);
        }
        prefix = Optional.of(e.getValue());
      } else {
        errors.add(invalid(k, "is not a setting of the engine"));
      }
    }
    Optional<Map.Entry<String, Map<String, String>>> st = Optional.empty();
    if (!storage.isEmpty()) {
      String type = storage.remove("type");
      if (type == null) {
        errors.add(invalid("storage.type", "is required"));
      } else {
        st = Optional.of(Map.entry(type, Map.copyOf(storage)));
      }
    }
    Map<String, Map.Entry<String, Map<String, String>>> ds = new LinkedHashMap<>();
    for (var e : datastores.entrySet()) {
      String type = e.getValue().remove("type");
      if (type == null) {
        errors.add(invalid("datastores." + e.getKey() + ".type", "is required"));
      } else {
        ds.put(e.getKey(), Map.entry(type, Map.copyOf(e.getValue())));
      }
    }
    PluginConfig r = PluginConfig.of("engine restore", restore);
    RestorePolicy restorePolicy = errors.collect(() -> new RestorePolicy(
        r.integer("approvals-required", restoreDefaults.approvalsRequired()),
        r.duration("token-ttl", restoreDefaults.tokenTtl()),
        r.bool("safety-backup", restoreDefaults.safetyBackup())));
    PluginConfig t = PluginConfig.of("engine retention", retention);
    RetentionPolicy retentionPolicy = retention.isEmpty() ? retentionDefaults : errors.collect(() -> RetentionPolicy.builder()
        .keepLast(t.integer("keep-last", 0))
        .keepWithin(t.duration("keep-within", java.time.Duration.ZERO))
        .keepDaily(t.integer("keep-daily", 0))
        .keepWeekly(t.integer("keep-weekly", 0))
        .keepMonthly(t.integer("keep-monthly", 0))
        .build());
    Optional<ArtifactPolicy> artifactPolicy = artifacts.isEmpty() ? Optional.empty()
        : Optional.ofNullable(errors.collect(() -> ArtifactPolicy.parse(artifacts)));
    PluginConfig g = PluginConfig.of("engine", engine);
    Optional<java.time.Duration> leaseTimeout = errors.collect(() -> positive(g, "lease-timeout"));
    Optional<java.time.Duration> catalogTimeout = errors.collect(() -> positive(g, "catalog-timeout"));
    Optional<java.time.Duration> partialUploadAge = errors.collect(() -> positive(g, "sweep.partial-upload-age"));
    Optional<java.time.Duration> progressInterval = errors.collect(() -> positive(g, "operations.progress-interval"));
    Optional<java.time.Duration> pollInterval = errors.collect(() -> positive(g, "scheduler.poll-interval"));
    Optional<Boolean> schedulerEnabled = errors.collect(() -> g.optional("scheduler.enabled").map(v -> g.bool("scheduler.enabled", true)));
    return new EngineConfig(st, ds, prefix, restorePolicy == null ? restoreDefaults : restorePolicy,
        retentionPolicy == null ? retentionDefaults : retentionPolicy, artifactPolicy,
        leaseTimeout == null ? Optional.empty() : leaseTimeout, catalogTimeout == null ? Optional.empty() : catalogTimeout,
        partialUploadAge == null ? Optional.empty() : partialUploadAge,
        progressInterval == null ? Optional.empty() : progressInterval, schedules,
        pollInterval == null ? Optional.empty() : pollInterval, schedulerEnabled == null ? Optional.empty() : schedulerEnabled,
        drills, errors.problems());
  }

  /** {@code <prefix><name>.<key>=value} into {@code into[name][key]}; a key without a name part is a problem. */
  private static void section(String k, String value, String prefix, Map<String, Map<String, String>> into, ConfigErrors errors,
      String shape) {
    String rest = k.substring(prefix.length());
    int dot = rest.indexOf('.');
    if (dot <= 0) {
      errors.add(invalid(k, "must look like " + shape));
    } else {
      into.computeIfAbsent(rest.substring(0, dot), x -> new TreeMap<>()).put(rest.substring(dot + 1), value);
    }
  }

  private static Optional<java.time.Duration> positive(PluginConfig config, String key) {
    Optional<java.time.Duration> d = config.optional(key).map(v -> config.duration(key, null));
    if (d.isPresent() && (d.get().isNegative() || d.get().isZero())) {
      throw config.invalid(key, "must be a positive duration");
    }
    return d;
  }

  private static MaintenanceException invalid(String key, String problem) {
    return new MaintenanceException(ErrorCode.CONFIG_INVALID, "engine setting '" + key + "' " + problem, Map.of("key", key));
  }
}
