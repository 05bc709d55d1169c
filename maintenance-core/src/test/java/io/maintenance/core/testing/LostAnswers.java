package io.maintenance.core.testing;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source whose connections lose the answer to a commit: once armed, the first transaction that ran a
 * statement matching the predicate is really committed, then its connection is dropped and the caller gets the
 * connection failure (SQLSTATE 08006) a network cut at that moment gives: the outcome is unknown to it.
 */
public final class LostAnswers implements DataSource {
  private final DataSource delegate;
  private final Predicate<String> statement;
  private final AtomicInteger remaining = new AtomicInteger();

  public LostAnswers(DataSource delegate, Predicate<String> statement) {
    this.delegate = delegate;
    this.statement = statement;
  }

  /** The next {@code times} matching commits lose their answer. */
  public LostAnswers arm(int times) {
    remaining.set(times);
    return this;
  }

  public int remaining() {
    return remaining.get();
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return wrap(delegate.getConnection(user, password));
  }

  private Connection wrap(Connection real) {
    List<String> ran = new ArrayList<>();
    InvocationHandler h = (proxy, m, args) -> {
      if (m.getName().startsWith("prepare") && args != null && args.length > 0 && args[0] instanceof String sql) {
        ran.add(sql);
      }
      if (m.getName().equals("commit") && ran.stream().anyMatch(statement) && remaining.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        real.commit();
        real.close();
        throw new SQLException("An I/O error occurred while sending to the backend (answer lost after commit)", "08006");
      }
      if (m.getName().equals("commit") || m.getName().equals("rollback")) {
        ran.clear();
      }
      return invoke(real, m, args);
    };
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return delegate.isWrapperFor(iface);
  }
}
