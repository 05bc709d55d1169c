package io.maintenance.examples;

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
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Principal;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.Scope;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskType;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.core.http.AdminRoutes;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A command-line front end over the engine, configured from one properties file: the engine's
 * settings ({@code storage.*}, {@code datastores.*}, {@code restore.*}, {@code retention.*}) plus
 * {@code catalog.url}, {@code catalog.user}, {@code catalog.password}. The operator running it is
 * trusted with every scope; {@code --as NAME} says who they are (for audit and the four-eyes rule).
 */
public final class Cli {
  static final String USAGE = """
      usage: maintenance --config FILE [--as NAME] COMMAND [ARGS]
        backup [--incremental] [--pin] [--label KEY=VALUE]... [--datastore ID]...
        list [--status STATUS] [--limit N] [--cursor C]
        show BACKUP_ID | manifest BACKUP_ID | delete BACKUP_ID
        preview BACKUP_ID [--datastore ID]... [--safety-backup true|false] [--option KEY=VALUE]...
        approve REQUEST_ID [COMMENT]
        confirm TOKEN
        restore-status REQUEST_ID
        task RETENTION|VERIFY|REINDEX|ORPHAN_SWEEP [--dry-run] [--datastore ID]... [--backup ID]...
        readiness | metrics [--prometheus] | audit [--limit N] [--verify]
        serve [--port N] [--tokens FILE]    (tokens file lines: TOKEN=NAME:scope,scope)
      """;

  private static final ObjectMapper JSON = JsonMapper.builder().addModule(new Jdk8Module()).addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .enable(SerializationFeature.INDENT_OUTPUT).build();

  private Cli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; returns the exit status (0 ok, 1 refused or failed, 2 usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Deque<String> a = new ArrayDeque<>(List.of(args));
    Path config = null;
    String as = System.getProperty("user.name", "operator");
    while (!a.isEmpty() && a.peek().startsWith("--")) {
      String flag = a.pop();
      switch (flag) {
        case "--config" -> config = Path.of(next(a, flag));
        case "--as" -> as = next(a, flag);
        case "--help" -> {
          out.print(USAGE);
          return 0;
        }
        default -> {
          err.println("unknown option " + flag);
          err.print(USAGE);
          return 2;
        }
      }
    }
    if (config == null || a.isEmpty()) {
      err.print(USAGE);
      return 2;
    }
    String command = a.pop();
    Principal principal = Principal.system(as);
    try (MaintenanceEngine engine = engine(config)) {
      Object result = execute(engine, principal, command, a, out);
      if (result instanceof String s) {
        out.print(s);
      } else if (result != null) {
        out.println(JSON.writeValueAsString(result));
      }
      return 0;
    } catch (MaintenanceException e) {
      err.println(e.code() + ": " + e.getMessage() + (e.details().isEmpty() ? "" : " " + e.details()));
      return 1;
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.print(USAGE);
      return 2;
    } catch (Exception e) {
      err.println("failed: " + e);
      return 1;
    }
  }

  private static Object execute(MaintenanceEngine engine, Principal who, String command, Deque<String> a, PrintStream out)
      throws Exception {
    switch (command) {
      case "backup" -> {
        BackupRequest.Builder b = BackupRequest.builder();
        while (!a.isEmpty()) {
          String f = a.pop();
          switch (f) {
            case "--incremental" -> b.type(BackupType.INCREMENTAL);
            case "--pin" -> b.pinned(true);
            case "--datastore" -> b.datastore(next(a, f));
            case "--label" -> {
              String[] kv = keyValue(f, next(a, f));
              b.label(kv[0], kv[1]);
            }
            default -> throw new IllegalArgumentException("unknown backup option " + f);
          }
        }
        return engine.backup(b.build(), who);
      }
      case "list" -> {
        BackupQuery q = BackupQuery.firstPage(50);
        while (!a.isEmpty()) {
          String f = a.pop();
          switch (f) {
            case "--status" -> q = q.withStatus(BackupStatus.valueOf(next(a, f).toUpperCase(Locale.ROOT)));
            case "--limit" -> q = new BackupQuery(q.status(), Integer.parseInt(next(a, f)), q.cursor());
            case "--cursor" -> q = q.after(next(a, f));
            default -> throw new IllegalArgumentException("unknown list option " + f);
          }
        }
        return engine.listBackups(q, who);
      }
      case "show" -> {
        String id = arg(a, "BACKUP_ID");
        return engine.findBackup(id, who).orElseThrow(() -> new MaintenanceException(io.maintenance.api.ErrorCode.NOT_FOUND,
            "no backup with id '" + id + "'"));
      }
      case "manifest" -> {
        return engine.manifest(arg(a, "BACKUP_ID"), who);
      }
      case "delete" -> {
        String id = arg(a, "BACKUP_ID");
        engine.deleteBackup(id, who);
        return "deleted " + id + "\n";
      }
      case "preview" -> {
        RestoreRequest.Builder r = RestoreRequest.builder(arg(a, "BACKUP_ID"));
        while (!a.isEmpty()) {
          String f = a.pop();
          switch (f) {
            case "--datastore" -> r.datastore(next(a, f));
            case "--resource" -> {
              String[] dr = next(a, f).split(":", 2);
              if (dr.length != 2) {
                throw new IllegalArgumentException("--resource takes DATASTORE:NAME");
              }
              r.resource(dr[0], dr[1]);
            }
            case "--safety-backup" -> {
              String v = next(a, f);
              if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("--safety-backup takes true or false, was '" + v + "'");
              }
              r.safetyBackup(Boolean.parseBoolean(v));
            }
            case "--option" -> {
              String[] kv = keyValue(f, next(a, f));
              r.option(kv[0], kv[1]);
            }
            default -> throw new IllegalArgumentException("unknown preview option " + f);
          }
        }
        var p = engine.previewRestore(r.build(), who);
        // The token is printed once, like the API returns it once.
        return Map.of("requestId", p.requestId(), "token", p.token(), "expiresAt", p.expiresAt(),
            "approvalsRequired", p.approvalsRequired(), "plan", p.plan());
      }
      case "approve" -> {
        String id = arg(a, "REQUEST_ID");
        return engine.approveRestore(id, String.join(" ", a), who);
      }
      case "confirm" -> {
        return engine.confirmRestore(arg(a, "TOKEN"), who);
      }
      case "restore-status" -> {
        String id = arg(a, "REQUEST_ID");
        return engine.findRestore(id, who).orElseThrow(() -> new MaintenanceException(io.maintenance.api.ErrorCode.NOT_FOUND,
            "no restore request with id '" + id + "'"));
      }
      case "task" -> {
        TaskRequest.Builder t = TaskRequest.builder(TaskType.valueOf(arg(a, "TASK").toUpperCase(Locale.ROOT)));
        while (!a.isEmpty()) {
          String f = a.pop();
          switch (f) {
            case "--dry-run" -> t.dryRun(true);
            case "--datastore" -> t.datastore(next(a, f));
            case "--backup" -> t.backup(next(a, f));
            default -> throw new IllegalArgumentException("unknown task option " + f);
          }
        }
        return engine.runTask(t.build(), who);
      }
      case "readiness" -> {
        return engine.readiness(who);
      }
      case "metrics" -> {
        return a.contains("--prometheus") ? engine.prometheusText(who) : engine.metrics(who);
      }
      case "audit" -> {
        if (a.contains("--verify")) {
          return engine.verifyAudit(who);
        }
        int limit = a.contains("--limit") ? Integer.parseInt(List.copyOf(a).get(List.copyOf(a).indexOf("--limit") + 1)) : 50;
        return engine.audit(AuditQuery.latest(limit), who);
      }
      case "serve" -> {
        int port = 8080;
        Map<String, Principal> tokens = new HashMap<>();
        while (!a.isEmpty()) {
          String f = a.pop();
          switch (f) {
            case "--port" -> port = Integer.parseInt(next(a, f));
            case "--tokens" -> tokens.putAll(tokens(Path.of(next(a, f))));
            default -> throw new IllegalArgumentException("unknown serve option " + f);
          }
        }
        try (AdminServer server = AdminServer.start(new AdminRoutes(engine), new InetSocketAddress("127.0.0.1", port),
            t -> Optional.ofNullable(tokens.get(t)))) {
          out.println("admin routes on http://127.0.0.1:" + server.port() + AdminRoutes.BASE + " (" + tokens.size() + " tokens)");
          CountDownLatch stop = new CountDownLatch(1);
          Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
          stop.await();
        }
        return null;
      }
      default -> throw new IllegalArgumentException("unknown command " + command);
    }
  }

  static MaintenanceEngine engine(Path config) throws IOException {
    Properties p = new StrictProperties(config);
    try (Reader r = Files.newBufferedReader(config)) {
      p.load(r);
    }
    Map<String, String> props = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
    PGSimpleDataSource catalog = new PGSimpleDataSource();
    String url = props.remove("catalog.url");
    if (url == null) {
      throw new IllegalArgumentException(config + ": catalog.url is required (jdbc:postgresql://host:port/db)");
    }
    catalog.setUrl(url);
    // A catalog that does not answer must not hang the command: the engine bounds queries, these the connects.
    catalog.setConnectTimeout(10);
    catalog.setLoginTimeout(10);
    Optional.ofNullable(props.remove("catalog.user")).ifPresent(catalog::setUser);
    Optional.ofNullable(props.remove("catalog.password")).ifPresent(catalog::setPassword);
    return MaintenanceEngine.builder().dataSource(catalog).configure(props).build();
  }

  /** Properties that refuse a key given twice: the second value would silently win. */
  private static final class StrictProperties extends Properties {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    StrictProperties(Path file) {
      this.file = file;
    }

    @Override
    public synchronized Object put(Object key, Object value) {
      if (containsKey(key)) {
        throw new IllegalArgumentException(file + ": '" + key + "' is set more than once");
      }
      return super.put(key, value);
    }
  }

  /** KEY=VALUE of a {@code --label} or {@code --option}. */
  private static String[] keyValue(String flag, String arg) {
    String[] kv = arg.split("=", 2);
    if (kv.length != 2 || kv[0].isEmpty()) {
      throw new IllegalArgumentException(flag + " takes KEY=VALUE, was '" + arg + "'");
    }
    return kv;
  }

  private static Map<String, Principal> tokens(Path file) throws IOException {
    Map<String, Principal> out = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] kv = line.split("=", 2);
      String[] who = kv[1].split(":", 2);
      Set<Scope> scopes = EnumSet.noneOf(Scope.class);
      for (String s : who.length > 1 ? who[1].split(",") : new String[0]) {
        scopes.add(Scope.fromValue(s.trim()).orElseThrow(() -> new IllegalArgumentException("unknown scope " + s)));
      }
      out.put(kv[0].trim(), new Principal(who[0].trim(), scopes));
    }
    return out;
  }

  private static String arg(Deque<String> a, String name) {
    if (a.isEmpty() || a.peek().startsWith("--")) {
      throw new IllegalArgumentException("missing " + name);
    }
    return a.pop();
  }

  private static String next(Deque<String> a, String flag) {
    if (a.isEmpty()) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return a.pop();
  }
}
