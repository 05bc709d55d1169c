package io.maintenance.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.maintenance.api.AuditQuery;
import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.BackupType;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.Inputs;
import io.maintenance.api.Maintenance;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Operation;
import io.maintenance.api.OperationKind;
import io.maintenance.api.OperationProgress;
import io.maintenance.api.OperationQuery;
import io.maintenance.api.OperationStatus;
import io.maintenance.api.Principal;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.Scope;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskType;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.examples.AdminServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * The {@code maintenance} command line (picocli). Configured from one properties file: the engine's settings
 * plus {@code catalog.url}, {@code catalog.user}, {@code catalog.password}. The operator running it is trusted
 * with every scope; {@code --as NAME} says who they are (audit, four-eyes rule). Every argument is checked
 * before the engine starts (and so before anything connects); exit codes say the class of an error
 * ({@link #exitCode}).
 */
@Command(name = "maintenance", mixinStandardHelpOptions = true, version = "maintenance 0.1",
    description = "Backups, two-step restores and housekeeping for PostgreSQL, FalkorDB and Qdrant.",
    subcommands = {MaintenanceCli.Backup.class, MaintenanceCli.ListBackups.class, MaintenanceCli.Show.class,
        MaintenanceCli.Manifest.class, MaintenanceCli.Delete.class, MaintenanceCli.Preview.class, MaintenanceCli.Approve.class,
        MaintenanceCli.Confirm.class, MaintenanceCli.RestoreStatus.class, MaintenanceCli.Task.class,
        MaintenanceCli.Operations.class, MaintenanceCli.Cancel.class, MaintenanceCli.Schedules.class,
        MaintenanceCli.Readiness.class, MaintenanceCli.Metrics.class, MaintenanceCli.Audit.class, MaintenanceCli.Serve.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:internal error", "2:usage: bad arguments, configuration or request",
        "3:refused by policy: scope, approvals, token, drift since the preview",
        "4:not found", "5:integrity: an artifact does not match its checksum, is missing or cannot be read",
        "6:a dependency is unavailable or busy (catalog, storage, datastore, operation lock): retry",
        "7:the operation was cancelled"})
public final class MaintenanceCli {
  /** How results are printed. */
  enum Output { JSON, TABLE }

  static final ObjectMapper JSON = JsonMapper.builder().addModule(new Jdk8Module()).addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .enable(SerializationFeature.INDENT_OUTPUT).build();

  @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "properties file: catalog.url/user/password and the engine's settings")
  Path config;

  @Option(names = "--as", scope = ScopeType.INHERIT, paramLabel = "NAME", description = "who runs the command (default: the OS user)")
  String as = System.getProperty("user.name", "operator");

  @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "json|table",
      description = "json or table (default: table on a terminal, json otherwise)")
  Output output;

  PrintStream out;
  PrintStream err;
  /** Whether progress is drawn as a bar (a terminal) or written as lines. */
  boolean terminal = System.console() != null;
  Duration poll = Duration.ofMillis(500);

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; returns its exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    MaintenanceCli root = new MaintenanceCli();
    root.out = out;
    root.err = err;
    CommandLine cl = new CommandLine(root).setCaseInsensitiveEnumValuesAllowed(true)
        .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8)).setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      if (e instanceof MaintenanceException m) {
        err.println(m.code() + ": " + m.getMessage() + (m.details().isEmpty() ? "" : " " + m.details()));
        return exitCode(m.code());
      }
      if (e instanceof Usage u) {
        err.println(u.getMessage());
        err.println("see: " + line.getCommandSpec().qualifiedName() + " --help");
        return 2;
      }
      err.println("internal error: " + e);
      return 1;
    });
    return cl.execute(args);
  }

  /** The exit code of an error class (documented in docs/cli.md). */
  public static int exitCode(ErrorCode code) {
    return switch (code) {
      case INVALID_REQUEST, CONFIG_INVALID, METHOD_NOT_ALLOWED, PAYLOAD_TOO_LARGE -> 2;
      case UNAUTHENTICATED, FORBIDDEN, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_CONSUMED, APPROVAL_REQUIRED, SELF_APPROVAL_FORBIDDEN,
          PLAN_STALE -> 3;
      case NOT_FOUND -> 4;
      case INTEGRITY_MISMATCH, ARTIFACT_MISSING, INCOMPATIBLE_ARTIFACT, KEY_UNAVAILABLE -> 5;
      case OPERATION_IN_PROGRESS, LEASE_LOST, DEPENDENCY_UNAVAILABLE, STORAGE_FAILURE, DATASTORE_FAILURE -> 6;
      case CANCELLED -> 7;
      case INTERNAL_ERROR -> 1;
    };
  }

  private static int exitCode(Optional<ErrorInfo> error) {
    return error.map(e -> {
      try {
        return exitCode(ErrorCode.valueOf(e.code()));
      } catch (IllegalArgumentException unknown) {
        return 1;
      }
    }).orElse(0);
  }

  Principal principal() {
    return Principal.system(as);
  }

  /** Starts the engine; every argument was checked before. Schedules fire only in {@code serve}. */
  MaintenanceEngine engine(boolean schedules) throws IOException {
    if (config == null) {
      throw new Usage("--config FILE is required");
    }
    Map<String, String> props = readConfig(config);
    PGSimpleDataSource catalog = new PGSimpleDataSource();
    String url = props.remove("catalog.url");
    if (url == null) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, config + ": catalog.url is required (jdbc:postgresql://host:port/db)");
    }
    catalog.setUrl(url);
    // A catalog that does not answer must not hang the command: the engine bounds queries, these the connects.
    catalog.setConnectTimeout(10);
    catalog.setLoginTimeout(10);
    Optional.ofNullable(props.remove("catalog.user")).ifPresent(catalog::setUser);
    Optional.ofNullable(props.remove("catalog.password")).ifPresent(catalog::setPassword);
    return MaintenanceEngine.builder().dataSource(catalog).configure(props).schedulerEnabled(schedules).build();
  }

  static Map<String, String> readConfig(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "--config " + file + ": no such file");
    }
    Properties p = new Properties() {
      private static final long serialVersionUID = 1L;

      @Override
      public synchronized Object put(Object key, Object value) {
        if (containsKey(key)) {
          throw new MaintenanceException(ErrorCode.CONFIG_INVALID, file + ": '" + key + "' is set more than once");
        }
        return super.put(key, value);
      }
    };
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    Map<String, String> props = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
    return props;
  }

  // ---- output ----------------------------------------------------------------------------------

  void print(Object value) throws IOException {
    if (value instanceof String s) {
      out.print(s);
      return;
    }
    Output o = output != null ? output : terminal ? Output.TABLE : Output.JSON;
    if (o == Output.JSON) {
      out.println(JSON.writeValueAsString(value));
    } else {
      out.print(Table.render(JSON.valueToTree(value)));
    }
  }

  /** Follows an operation to its end (a bar on a terminal, a line per change otherwise, on stderr); returns it finished. */
  Operation follow(Maintenance engine, String id) throws Exception {
    Principal who = principal();
    String last = "";
    Operation op;
    while (true) {
      op = engine.findOperation(id, who).orElseThrow(() -> new MaintenanceException(ErrorCode.NOT_FOUND, "no operation " + id));
      if (terminal) {
        err.print("\r" + Progress.bar(op) + "\u001b[K");
        err.flush();
      } else {
        String key = Progress.key(op);
        if (!key.equals(last)) {
          err.println(Progress.line(op));
        }
        last = key;
      }
      if (op.status().finished()) {
        break;
      }
      Thread.sleep(poll.toMillis());
    }
    if (terminal) {
      err.println();
    }
    return op;
  }

  /**
   * A submitted operation (refusals were thrown at once), followed to its end: then what it produced is printed
   * (success) or the operation with its error (exit code by its class). It runs in this process, so the command
   * waits for it; an operation a service runs is followed with {@code operations watch} and stopped with {@code cancel}.
   */
  int submitted(Maintenance engine, Operation op, java.util.function.Function<Operation, Object> result) throws Exception {
    Operation done = follow(engine, op.id());
    if (done.status() == OperationStatus.SUCCEEDED) {
      print(result.apply(done));
      return 0;
    }
    done.error().ifPresent(e -> err.println(e.code() + ": " + e.message()));
    print(done);
    return done.error().isPresent() ? exitCode(done.error()) : 1;
  }

  static String id(String pointer, String value) {
    try {
      return Inputs.id(pointer, value);
    } catch (MaintenanceException e) {
      throw new Usage(pointer + ": " + e.getMessage());
    }
  }

  static Map.Entry<String, String> keyValue(String option, String arg) {
    int eq = arg.indexOf('=');
    if (eq <= 0) {
      throw new Usage(option + " takes KEY=VALUE, was '" + arg + "'");
    }
    return Map.entry(arg.substring(0, eq), arg.substring(eq + 1));
  }

  // ---- commands --------------------------------------------------------------------------------

  /** What every subcommand shares: its own --help, and the root's options. */
  abstract static class Sub implements Callable<Integer> {
    @ParentCommand
    MaintenanceCli root;

    @Override
    public final Integer call() throws Exception {
      validate();
      try (MaintenanceEngine engine = root.engine(false)) {
        return run(engine, root.principal());
      }
    }

    /** Checks what picocli cannot, before the engine starts. */
    void validate() {}

    abstract int run(Maintenance engine, Principal who) throws Exception;
  }

  /** A subcommand of one id (a backup, restore request or operation id, checked before the engine starts). */
  abstract static class ById extends Sub {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    void validate() {
      id("ID", id);
    }
  }

  @Command(name = "backup", mixinStandardHelpOptions = true, description = "Take a backup (progress on stderr).")
  static final class Backup extends Sub {
    @Option(names = "--incremental", description = "reuse the artifacts of the last backup where nothing changed")
    boolean incremental;
    @Option(names = "--pin", description = "never prune it by retention")
    boolean pin;
    @Option(names = "--label", paramLabel = "KEY=VALUE")
    List<String> labels = new ArrayList<>();
    @Option(names = "--datastore", paramLabel = "ID", description = "back up only these (default: all)")
    List<String> datastores = new ArrayList<>();
    private final BackupRequest.Builder request = BackupRequest.builder();

    @Override
    void validate() {
      request.type(incremental ? BackupType.INCREMENTAL : BackupType.FULL).pinned(pin);
      labels.forEach(l -> {
        Map.Entry<String, String> kv = keyValue("--label", l);
        request.label(kv.getKey(), kv.getValue());
      });
      datastores.forEach(d -> request.datastore(id("--datastore", d)));
    }

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      return root.submitted(engine, engine.submitBackup(request.build(), who),
          op -> engine.findBackup(op.target(), who).orElseThrow());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List backups, newest first.")
  static final class ListBackups extends Sub {
    @Option(names = "--status", paramLabel = "STATUS", description = "one of ${COMPLETION-CANDIDATES}")
    BackupStatus status;
    @Option(names = "--limit", defaultValue = "50", paramLabel = "N")
    int limit;
    @Option(names = "--cursor", paramLabel = "C", description = "nextCursor of the previous page")
    String cursor;
    private BackupQuery query;

    @Override
    void validate() {
      query = cli(() -> new BackupQuery(Optional.ofNullable(status), limit, Optional.ofNullable(cursor)));
    }

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      root.print(engine.listBackups(query, who));
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one backup.")
  static final class Show extends ById {

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      root.print(engine.findBackup(id, who).orElseThrow(() -> new MaintenanceException(ErrorCode.NOT_FOUND, "no backup " + id)));
      return 0;
    }
  }

  @Command(name = "manifest", mixinStandardHelpOptions = true, description = "Show a backup's manifest.")
  static final class Manifest extends ById {

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      root.print(engine.manifest(id, who));
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a backup (its objects, then its record).")
  static final class Delete extends ById {

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      engine.deleteBackup(id, who);
      root.print("deleted " + id + "\n");
      return 0;
    }
  }

  @Command(name = "preview", mixinStandardHelpOptions = true,
      description = "Preview a restore: check the backup, dry-run it, show the diff; prints the single-use token once.")
  static final class Preview extends Sub {
    @Parameters(paramLabel = "BACKUP_ID")
    String backupId;
    @Option(names = "--datastore", paramLabel = "ID")
    List<String> datastores = new ArrayList<>();
    @Option(names = "--resource", paramLabel = "DATASTORE:NAME", description = "restore only these resources")
    List<String> resources = new ArrayList<>();
    @Option(names = "--safety-backup", paramLabel = "true|false", arity = "1")
    Boolean safetyBackup;
    @Option(names = "--option", paramLabel = "KEY=VALUE")
    List<String> options = new ArrayList<>();
    private RestoreRequest.Builder request;

    @Override
    void validate() {
      request = RestoreRequest.builder(id("BACKUP_ID", backupId));
      datastores.forEach(d -> request.datastore(id("--datastore", d)));
      for (String r : resources) {
        int colon = r.indexOf(':');
        if (colon <= 0 || colon == r.length() - 1) {
          throw new Usage("--resource takes DATASTORE:NAME, was '" + r + "'");
        }
        request.resource(r.substring(0, colon), r.substring(colon + 1));
      }
      Optional.ofNullable(safetyBackup).ifPresent(request::safetyBackup);
      options.forEach(o -> {
        Map.Entry<String, String> kv = keyValue("--option", o);
        request.option(kv.getKey(), kv.getValue());
      });
    }

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      var p = engine.previewRestore(request.build(), who);
      Map<String, Object> shown = new LinkedHashMap<>();
      shown.put("requestId", p.requestId());
      shown.put("token", p.token());
      shown.put("expiresAt", p.expiresAt());
      shown.put("approvalsRequired", p.approvalsRequired());
      shown.put("plan", p.plan());
      root.print(shown);
      return 0;
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a previewed restore (not your own).")
  static final class Approve extends Sub {
    @Parameters(index = "0", paramLabel = "REQUEST_ID")
    String id;
    @Parameters(index = "1..*", paramLabel = "COMMENT")
    List<String> comment = new ArrayList<>();

    @Override
    void validate() {
      id("REQUEST_ID", id);
    }

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      root.print(engine.approveRestore(id, String.join(" ", comment), who));
      return 0;
    }
  }

  @Command(name = "confirm", mixinStandardHelpOptions = true, description = "Apply a previewed, approved restore (progress on stderr).")
  static final class Confirm extends Sub {
    @Parameters(paramLabel = "TOKEN")
    String token;

    @Override
    void validate() {
      if (token.isBlank() || token.chars().anyMatch(Character::isISOControl)) {
        throw new Usage("TOKEN is empty or holds control characters");
      }
    }

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      return root.submitted(engine, engine.submitRestore(token, who),
          op -> engine.findRestore(op.target(), who).orElseThrow());
    }
  }

  @Command(name = "restore-status", mixinStandardHelpOptions = true, description = "Show a restore request.")
  static final class RestoreStatus extends ById {

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      root.print(engine.findRestore(id, who).orElseThrow(() -> new MaintenanceException(ErrorCode.NOT_FOUND, "no restore request " + id)));
      return 0;
    }
  }

  @Command(name = "task", mixinStandardHelpOptions = true,
      description = "Run a housekeeping task or a restore drill (DRILL; progress on stderr).")
  static final class Task extends Sub {
    @Parameters(paramLabel = "TYPE", description = "one of ${COMPLETION-CANDIDATES}")
    TaskType type;
    @Option(names = "--dry-run")
    boolean dryRun;
    @Option(names = "--datastore", paramLabel = "ID", description = "REINDEX, DRILL: only these")
    List<String> datastores = new ArrayList<>();
    @Option(names = "--backup", paramLabel = "ID", description = "VERIFY: only these")
    List<String> backups = new ArrayList<>();
    private TaskRequest request;

    @Override
    void validate() {
      if (!datastores.isEmpty() && type != TaskType.REINDEX && type != TaskType.DRILL) {
        throw new Usage("--datastore: only REINDEX and DRILL take datastores");
      }
      if (dryRun && type == TaskType.DRILL) {
        throw new Usage("--dry-run: a DRILL has no dry run");
      }
      if (!backups.isEmpty() && type != TaskType.VERIFY) {
        throw new Usage("--backup: only VERIFY takes backups");
      }
      TaskRequest.Builder t = TaskRequest.builder(type).dryRun(dryRun);
      datastores.forEach(d -> t.datastore(id("--datastore", d)));
      backups.forEach(b -> t.backup(id("--backup", b)));
      request = cli(t::build);
    }

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      Operation op = engine.submitTask(request, who);
      Operation done = root.follow(engine, op.id());
      // A task that ran to its end says what it did, including what failed (its worst code is the exit code).
      Optional<TaskResult> result = engine.findTask(op.target(), who).filter(r -> r.status() != io.maintenance.api.TaskStatus.RUNNING);
      if (result.isPresent()) {
        root.print(result.get());
        result.get().error().ifPresent(e -> root.err.println(e.code() + ": " + e.message()));
        return exitCode(result.get().error());
      }
      done.error().ifPresent(e -> root.err.println(e.code() + ": " + e.message()));
      root.print(done);
      return exitCode(done.error());
    }
  }

  @Command(name = "operations", mixinStandardHelpOptions = true, description = "Backups, restores and tasks, running or finished.",
      subcommands = {Operations.ListOps.class, Operations.ShowOp.class, Operations.Watch.class})
  static final class Operations {
    @ParentCommand
    MaintenanceCli root;

    abstract static class OpSub implements Callable<Integer> {
      @ParentCommand
      Operations parent;

      @Override
      public final Integer call() throws Exception {
        validate();
        try (MaintenanceEngine engine = parent.root.engine(false)) {
          return run(engine, parent.root.principal());
        }
      }

      void validate() {}

      abstract int run(Maintenance engine, Principal who) throws Exception;
    }

    abstract static class OpById extends OpSub {
      @Parameters(paramLabel = "ID")
      String id;

      @Override
      void validate() {
        id("ID", id);
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List operations, newest first.")
    static final class ListOps extends OpSub {
      @Option(names = "--status", paramLabel = "STATUS", description = "one of ${COMPLETION-CANDIDATES}")
      OperationStatus status;
      @Option(names = "--kind", paramLabel = "KIND", description = "one of ${COMPLETION-CANDIDATES}")
      OperationKind kind;
      @Option(names = "--limit", defaultValue = "50", paramLabel = "N")
      int limit;
      @Option(names = "--cursor", paramLabel = "C")
      String cursor;
      private OperationQuery query;

      @Override
      void validate() {
        query = cli(() -> new OperationQuery(Optional.ofNullable(status), Optional.ofNullable(kind), limit, Optional.ofNullable(cursor)));
      }

      @Override
      int run(Maintenance engine, Principal who) throws Exception {
        parent.root.print(engine.listOperations(query, who));
        return 0;
      }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one operation as it is now.")
    static final class ShowOp extends OpById {

      @Override
      int run(Maintenance engine, Principal who) throws Exception {
        parent.root.print(engine.findOperation(id, who).orElseThrow(() -> new MaintenanceException(ErrorCode.NOT_FOUND,
            "no operation " + id)));
        return 0;
      }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Follow an operation to its end; exits with its result's code.")
    static final class Watch extends OpById {

      @Override
      int run(Maintenance engine, Principal who) throws Exception {
        Operation done = parent.root.follow(engine, id);
        parent.root.print(done);
        return exitCode(done.error());
      }
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Ask an operation to stop (on whichever replica runs it); prints it as it is now.")
  static final class Cancel extends ById {

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      root.print(engine.cancelOperation(id, who));
      return 0;
    }
  }

  @Command(name = "schedules", mixinStandardHelpOptions = true, description = "The configured schedules and how they have been doing.")
  static final class Schedules extends Sub {
    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      root.print(engine.schedules(who));
      return 0;
    }
  }

  @Command(name = "readiness", mixinStandardHelpOptions = true, description = "Probe the catalog, the storage and every datastore.")
  static final class Readiness extends Sub {
    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      var report = engine.readiness(who);
      root.print(report);
      return report.ready() ? 0 : 6;
    }
  }

  @Command(name = "metrics", mixinStandardHelpOptions = true, description = "The engine's metrics (JSON, or Prometheus text).")
  static final class Metrics extends Sub {
    @Option(names = "--prometheus")
    boolean prometheus;

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      root.print(prometheus ? engine.prometheusText(who) : engine.metrics(who));
      return 0;
    }
  }

  @Command(name = "audit", mixinStandardHelpOptions = true, description = "The audit log, newest first, or --verify its hash chain.")
  static final class Audit extends Sub {
    @Option(names = "--limit", defaultValue = "50", paramLabel = "N")
    int limit;
    @Option(names = "--verify")
    boolean verify;
    private AuditQuery query;

    @Override
    void validate() {
      query = cli(() -> AuditQuery.latest(limit));
    }

    @Override
    int run(Maintenance engine, Principal who) throws Exception {
      if (verify) {
        var v = engine.verifyAudit(who);
        root.print(v);
        return v.intact() ? 0 : 5;
      }
      root.print(engine.audit(query, who));
      return 0;
    }
  }

  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = "Serve the admin routes on 127.0.0.1 (and fire the configured schedules) until stopped.")
  static final class Serve implements Callable<Integer> {
    @ParentCommand
    MaintenanceCli root;
    @Option(names = "--port", defaultValue = "8080", paramLabel = "N")
    int port;
    @Option(names = "--tokens", paramLabel = "FILE", description = "lines TOKEN=NAME:scope,scope")
    Path tokensFile;

    @Override
    public Integer call() throws Exception {
      if (port < 0 || port > 65535) {
        throw new Usage("--port must be 0..65535, was " + port);
      }
      Map<String, Principal> tokens = tokensFile == null ? Map.of() : tokens(tokensFile);
      try (MaintenanceEngine engine = root.engine(true);
          AdminServer server = AdminServer.start(new AdminRoutes(engine), new InetSocketAddress("127.0.0.1", port),
              t -> Optional.ofNullable(tokens.get(t)))) {
        root.out.println("admin routes on http://127.0.0.1:" + server.port() + AdminRoutes.BASE + " (" + tokens.size() + " tokens)");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
      }
      return 0;
    }

    private Map<String, Principal> tokens(Path file) throws IOException {
      Map<String, Principal> out = new HashMap<>();
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] kv = line.split("=", 2);
        if (kv.length != 2) {
          throw new Usage(file + ": lines are TOKEN=NAME:scope,scope");
        }
        String[] who = kv[1].split(":", 2);
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : who.length > 1 ? who[1].split(",") : new String[0]) {
          scopes.add(Scope.fromValue(s.trim()).orElseThrow(() -> new Usage(file + ": unknown scope " + s)));
        }
        out.put(kv[0].trim(), new Principal(who[0].trim(), scopes));
      }
      return out;
    }
  }

  /** A bad argument found after parsing (exit 2, nothing started). */
  static final class Usage extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Usage(String message) {
      super(message);
    }
  }

  /** Builds a request, turning the API's own input checks into usage errors (exit 2) before anything starts. */
  static <T> T cli(java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (MaintenanceException e) {
      throw new Usage(e.getMessage());
    }
  }

  /** Progress as a bar (terminal) or a line (log). */
  static final class Progress {
    private Progress() {}

    static String bar(Operation op) {
      OperationProgress p = op.progress();
      int width = 30;
      int filled = p.percent().map(v -> (int) Math.round(v / 100 * width)).orElse(0);
      String bar = p.percent().isPresent() ? "[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " : "[" + " ".repeat(width) + "] ";
      return bar + line(op);
    }

    static String line(Operation op) {
      OperationProgress p = op.progress();
      StringBuilder sb = new StringBuilder(op.id()).append(' ').append(op.kind()).append(' ').append(op.status());
      if (!op.status().finished()) {
        sb.append(' ').append(op.phase());
      }
      p.percent().ifPresent(v -> sb.append(String.format(Locale.ROOT, " %.1f%%", v)));
      sb.append(' ').append(bytes(p.bytesDone()));
      if (p.bytesTotal() >= 0) {
        sb.append(" of ").append(p.bytesTotal() > 0 && p.bytesTotalEstimated() ? "~" : "").append(bytes(p.bytesTotal()));
      }
      p.eta().ifPresent(t -> sb.append(" eta ").append(t));
      op.error().ifPresent(e -> sb.append(' ').append(e.code()).append(": ").append(e.message()));
      return sb.toString();
    }

    /** What makes a new log line: the status, the phase or another tenth of the way. */
    static String key(Operation op) {
      return op.status() + "|" + op.phase() + "|" + op.progress().percent().map(v -> (int) (v / 10)).orElse(-1);
    }

    static String bytes(long n) {
      if (n < 1024) {
        return n + " B";
      }
      double v = n;
      String[] units = {"KiB", "MiB", "GiB", "TiB"};
      int i = -1;
      do {
        v /= 1024;
        i++;
      } while (v >= 1024 && i < units.length - 1);
      return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }
  }

  /** A plain-text rendering of a result: a page as a table of its items' simple fields, an object as fields. */
  static final class Table {
    private Table() {}

    static String render(JsonNode node) {
      if (node.has("items") && node.get("items").isArray()) {
        String table = rows(node.get("items"));
        JsonNode next = node.get("nextCursor");
        return table + (next != null && !next.isNull() ? "next page: --cursor " + next.asText() + "\n" : "");
      }
      if (node.isArray()) {
        return rows(node);
      }
      StringBuilder sb = new StringBuilder();
      int width = 0;
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        width = Math.max(width, it.next().length());
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        sb.append(String.format(Locale.ROOT, "%-" + width + "s  %s%n", f.getKey(), cell(f.getValue())));
      }
      return sb.toString();
    }

    private static String rows(JsonNode items) {
      List<String> columns = new ArrayList<>();
      for (JsonNode item : items) {
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          if (f.getValue().isValueNode() && !columns.contains(f.getKey())) {
            columns.add(f.getKey());
          }
        }
      }
      List<List<String>> cells = new ArrayList<>();
      cells.add(columns);
      for (JsonNode item : items) {
        cells.add(columns.stream().map(c -> item.has(c) ? cell(item.get(c)) : "").toList());
      }
      int[] widths = new int[columns.size()];
      for (List<String> row : cells) {
        for (int i = 0; i < row.size(); i++) {
          widths[i] = Math.max(widths[i], row.get(i).length());
        }
      }
      StringBuilder sb = new StringBuilder();
      for (List<String> row : cells) {
        for (int i = 0; i < row.size(); i++) {
          sb.append(i == row.size() - 1 ? row.get(i) : String.format(Locale.ROOT, "%-" + widths[i] + "s  ", row.get(i)));
        }
        sb.append('\n');
      }
      return sb.toString();
    }

    private static String cell(JsonNode v) {
      if (v == null || v.isNull()) {
        return "-";
      }
      if (v.isValueNode()) {
        return v.asText();
      }
      try {
        return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(v);
      } catch (IOException e) {
        return v.toString();
      }
    }
  }
}
