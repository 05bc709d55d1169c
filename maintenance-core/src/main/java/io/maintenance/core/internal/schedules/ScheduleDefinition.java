package io.maintenance.core.internal.schedules;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupType;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.Inputs;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskType;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.support.Digests;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One {@code schedules.<name>.*} section: when (a crontab expression, read by cron-utils), what (a backup or
 * a housekeeping task), and how firings that nobody could start on time are handled.
 *
 * @param kind {@code backup} or a task type in lower case ({@code retention}, {@code verify}, ...)
 * @param backup what a backup schedule backs up
 * @param task what a task schedule runs
 * @param retentionAfter a backup schedule runs RETENTION after each succeeded backup
 * @param runMissed a firing not started within {@code startingDeadline} (every replica was down, the lock was
 *     busy) runs once when a replica can ({@code missed=run-once}), or is skipped ({@code missed=skip})
 * @param jitter each firing is moved later by a random share of this, so fleets do not start at one second
 * @param grace how much longer than one period a schedule may go without a success before it is overdue
 * @param sha256 of the definition: a changed definition moves the next firing
 */
public record ScheduleDefinition(
    String name,
    String cronText,
    ExecutionTime cron,
    ZoneId zone,
    String kind,
    Optional<BackupRequest> backup,
    Optional<TaskRequest> task,
    boolean retentionAfter,
    boolean runMissed,
    Duration jitter,
    Duration grace,
    Duration startingDeadline,
    String sha256) {

  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final Set<String> KEYS = Set.of("cron", "kind", "datastores", "type", "pinned", "retention", "missed", "jitter",
      "grace", "starting-deadline", "time-zone", "dry-run");

  /** Parses one schedule's settings (the keys after {@code schedules.<name>.}); CONFIG_INVALID naming the key otherwise. */
  public static ScheduleDefinition parse(String name, Map<String, String> settings) {
    String prefix = "schedules." + name;
    try {
      Inputs.id("/schedules", name);
    } catch (MaintenanceException e) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "schedule name '" + Inputs.escape(name) + "' may hold only"
          + " letters, digits and . _ : -", Map.of("key", prefix));
    }
    Map<String, String> labels = new TreeMap<>();
    Map<String, String> rest = new TreeMap<>();
    settings.forEach((k, v) -> {
      if (k.startsWith("labels.")) {
        labels.put(k.substring("labels.".length()), v);
      } else if (KEYS.contains(k)) {
        rest.put(k, v);
      } else {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "'" + prefix + "." + k + "' is not a schedule setting; known: "
            + new java.util.TreeSet<>(KEYS) + " and labels.<key>", Map.of("key", prefix + "." + k));
      }
    });
    PluginConfig c = PluginConfig.of(prefix, rest);
    String cronText = c.optional("cron").orElseThrow(() -> c.invalid("cron", "is required (five fields, as in crontab: '0 2 * * *')"));
    ExecutionTime cron;
    try {
      Cron parsed = PARSER.parse(cronText);
      parsed.validate();
      cron = ExecutionTime.forCron(parsed);
    } catch (IllegalArgumentException e) {
      throw c.invalid("cron", "is not a crontab expression (" + e.getMessage() + ")");
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(c.optional("time-zone").orElse("UTC"));
    } catch (DateTimeException e) {
      throw c.invalid("time-zone", "is not a time zone id such as UTC or Europe/Berlin");
    }
    String kind = c.optional("kind").orElse("backup").toLowerCase(Locale.ROOT);
    Set<String> datastores = new LinkedHashSet<>();
    c.optional("datastores").ifPresent(d -> Arrays.stream(d.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .forEach(datastores::add));
    Optional<BackupRequest> backup = Optional.empty();
    Optional<TaskRequest> task = Optional.empty();
    boolean retention = false;
    if (kind.equals("backup")) {
      BackupType type;
      try {
        type = BackupType.valueOf(c.optional("type").orElse("full").toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw c.invalid("type", "must be full or incremental");
      }
      BackupRequest.Builder b = BackupRequest.builder().type(type).pinned(c.bool("pinned", false)).datastores(datastores)
          .label("schedule", name);
      labels.forEach(b::label);
      backup = Optional.of(b.build());
      retention = c.bool("retention", false);
    } else {
      TaskType type;
      try {
        type = TaskType.valueOf(kind.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw c.invalid("kind", "must be backup or a task: " + Arrays.toString(TaskType.values()).toLowerCase(Locale.ROOT));
      }
      if (!labels.isEmpty() || c.optional("type").isPresent() || c.optional("retention").isPresent()
          || c.optional("pinned").isPresent()) {
        throw c.invalid("kind", "is " + kind + ": type, pinned, retention and labels belong to backup schedules");
      }
      if (!datastores.isEmpty() && type != TaskType.REINDEX && type != TaskType.DRILL) {
        throw c.invalid("datastores", "only backup, reindex and drill schedules take datastores");
      }
      if (type == TaskType.DRILL && c.optional("dry-run").isPresent()) {
        throw c.invalid("dry-run", "a drill has no dry run");
      }
      TaskRequest.Builder t = TaskRequest.builder(type).dryRun(c.bool("dry-run", false));
      datastores.forEach(t::datastore);
      task = Optional.of(t.build());
    }
    String missed = c.optional("missed").orElse("run-once");
    if (!missed.equals("run-once") && !missed.equals("skip")) {
      throw c.invalid("missed", "must be run-once or skip");
    }
    Duration jitter = nonNegative(c, "jitter", Duration.ZERO);
    Duration grace = nonNegative(c, "grace", Duration.ofHours(1));
    Duration deadline = nonNegative(c, "starting-deadline", Duration.ofMinutes(10));
    if (cron.nextExecution(ZonedDateTime.now(zone)).isEmpty()) {
      throw c.invalid("cron", "never fires");
    }
    String canonical = String.join("\n", cronText, zone.getId(), kind, backup.map(Object::toString).orElse(""),
        task.map(Object::toString).orElse(""), Boolean.toString(retention), missed, jitter.toString(), grace.toString(),
        deadline.toString());
    return new ScheduleDefinition(name, cronText, cron, zone, kind, backup, task, retention, missed.equals("run-once"), jitter,
        grace, deadline, Digests.sha256Hex(canonical));
  }

  private static Duration nonNegative(PluginConfig c, String key, Duration dflt) {
    Duration d = c.duration(key, dflt);
    if (d.isNegative()) {
      throw c.invalid(key, "must not be negative");
    }
    return d;
  }

  /** Whether it runs under the operation lock (so it must wait while another operation holds it). */
  public boolean exclusive() {
    return task.map(t -> t.type() != TaskType.VERIFY && t.type() != TaskType.REINDEX && t.type() != TaskType.DRILL).orElse(true);
  }

  /** The first firing strictly after {@code t}, without jitter. */
  public Instant nextAfter(Instant t) {
    return cron.nextExecution(t.atZone(zone)).map(ZonedDateTime::toInstant).orElse(Instant.MAX);
  }

  /** The time between the last two firings before {@code now}: how often it is meant to succeed. */
  public Duration period(Instant now) {
    Optional<ZonedDateTime> last = cron.lastExecution(now.atZone(zone));
    Optional<ZonedDateTime> before = last.flatMap(cron::lastExecution);
    if (last.isPresent() && before.isPresent()) {
      return Duration.between(before.get(), last.get());
    }
    Instant next = nextAfter(now);
    return Duration.between(next, nextAfter(next));
  }
}
