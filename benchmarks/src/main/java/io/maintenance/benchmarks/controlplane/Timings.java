package io.maintenance.benchmarks.controlplane;

import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ProbeResult;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.TaskContext;
import io.maintenance.spi.TaskOutcome;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Where preview and confirm spend their time: the datastore's own calls, and the catalog's statements
 * and commits (counted through a proxy of the catalog's DataSource). Benchmark instrumentation only.
 */
final class Timings {
  final AtomicLong datastoreNanos = new AtomicLong();
  final AtomicLong catalogNanos = new AtomicLong();
  final AtomicLong catalogStatements = new AtomicLong();
  final AtomicLong catalogCommits = new AtomicLong();
  final AtomicLong connections = new AtomicLong();
  final AtomicLong connectionNanos = new AtomicLong();

  void reset() {
    datastoreNanos.set(0);
    catalogNanos.set(0);
    catalogStatements.set(0);
    catalogCommits.set(0);
    connections.set(0);
    connectionNanos.set(0);
  }

  /** The datastore with its fingerprint, plan and restore timed. */
  Datastore timed(Datastore d) {
    return new Datastore() {
      @Override public String id() { return d.id(); }
      @Override public String type() { return d.type(); }
      @Override public String version() { return d.version(); }
      @Override public ProbeResult probe() { return d.probe(); }
      @Override public boolean supportsIncremental() { return d.supportsIncremental(); }
      @Override public void close() throws IOException { d.close(); }
      @Override public DatastoreBackup backup(BackupContext c) throws IOException { return d.backup(c); }
      @Override public TaskOutcome housekeeping(TaskContext c) throws IOException { return d.housekeeping(c); }

      @Override public Fingerprint fingerprint(Set<String> resources) throws IOException {
        return time(() -> d.fingerprint(resources));
      }

      @Override public DatastorePlan plan(RestoreContext c) throws IOException {
        return time(() -> d.plan(c));
      }

      @Override public RestoreOutcome restore(RestoreContext c) throws IOException {
        return time(() -> d.restore(c));
      }
    };
  }

  private interface IoCall<T> {
    T call() throws IOException;
  }

  private <T> T time(IoCall<T> call) throws IOException {
    long t0 = System.nanoTime();
    try {
      return call.call();
    } finally {
      datastoreNanos.addAndGet(System.nanoTime() - t0);
    }
  }

  /** The catalog's DataSource with connection checkout, every statement execution and every commit timed. */
  DataSource counted(DataSource ds) {
    return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, a) -> {
      if (m.getName().equals("getConnection")) {
        long t0 = System.nanoTime();
        Connection c = (Connection) invoke(ds, m, a);
        connectionNanos.addAndGet(System.nanoTime() - t0);
        connections.incrementAndGet();
        return connection(c);
      }
      return invoke(ds, m, a);
    });
  }

  private Connection connection(Connection c) {
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, (p, m, a) -> {
      Object r = timedIf(m.getName().equals("commit"), catalogCommits, c, m, a);
      if (r instanceof Statement s && m.getName().matches("prepareStatement|createStatement|prepareCall")) {
        return statement(s);
      }
      return r;
    });
  }

  private Statement statement(Statement s) {
    Class<?>[] types = Proxy.isProxyClass(s.getClass()) ? s.getClass().getInterfaces()
        : new Class<?>[] {s instanceof java.sql.CallableStatement ? java.sql.CallableStatement.class
            : s instanceof java.sql.PreparedStatement ? java.sql.PreparedStatement.class : Statement.class};
    return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), types,
        (p, m, a) -> timedIf(m.getName().startsWith("execute"), catalogStatements, s, m, a));
  }

  private Object timedIf(boolean timed, AtomicLong counter, Object target, java.lang.reflect.Method m, Object[] a)
      throws Throwable {
    if (!timed) {
      return invoke(target, m, a);
    }
    long t0 = System.nanoTime();
    try {
      return invoke(target, m, a);
    } finally {
      catalogNanos.addAndGet(System.nanoTime() - t0);
      counter.incrementAndGet();
    }
  }

  private static Object invoke(Object target, java.lang.reflect.Method m, Object[] a) throws Throwable {
    try {
      return m.invoke(target, a);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
