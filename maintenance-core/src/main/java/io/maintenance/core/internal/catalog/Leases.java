package io.maintenance.core.internal.catalog;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases on operations, in {@code maintenance_operations}: a row per running operation with its owner
 * (this engine instance) and a heartbeat that moves its expiry forward, in catalog time.
 *
 * <p>An <em>exclusive</em> lease is the operation lock that serialises mutating operations across
 * replicas. It is taken under a session advisory lock on a dedicated connection, which then carries the
 * heartbeat, and the catalog allows one running exclusive lease at a time (a unique index). When the
 * connection dies (the catalog restarted, someone ran {@code pg_terminate_backend}), the next heartbeat
 * renews the lease on a new connection, so a short outage is ridden out. The lease row, not the
 * connection, is what another replica respects: it may take a lease over only after it expired.
 *
 * <p>The owner stops before that can happen: {@link Lease#ensureActive()} throws {@code LEASE_LOST}
 * once the lease has not been confirmed for its timeout minus one heartbeat interval (measured from
 * before the confirming statement was sent, on this machine's monotonic clock), or as soon as a
 * heartbeat finds the row taken over. So when a lease has expired in the catalog, its owner has provably
 * stopped mutating, and its rows can be settled. Catalog writes that record success check the lease in
 * the same statement ({@link #LIVE}), so a stale owner can never record one.
 *
 * <p>A <em>shared</em> lease (VERIFY, REINDEX) excludes nothing; it only tells the sweep and start-up
 * recovery that its task row has a live owner.
 *
 * <p>Every lease row is also an <em>operation</em>: the same statement that renews it writes the
 * operation's phase and progress (when they changed) and reads whether someone asked to cancel it, so a
 * cancel requested on any replica is seen within one progress interval, and {@link Lease#ensureActive()}
 * then throws {@code CANCELLED}. Closing the lease records the operation's outcome.
 */
public final class Leases {
  /** SQL condition that the lease given as the next parameter is still running and unexpired. */
  public static final String LIVE = "EXISTS (SELECT 1 FROM maintenance_operations o WHERE o.id = ? AND o.status = 'RUNNING'"
      + " AND o.expires_at > now())";

  private static final Logger LOG = LoggerFactory.getLogger(Leases.class);
  /** First key of the two-key advisory lock; the second is a hash of the catalog's schema, so catalogs in one database do not collide. */
  private static final int LOCK_CLASS = 0x6d6f7031; // "mop1"
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Db db;
  private final String owner;
  private final Duration ttl;
  private final Duration heartbeat;
  private final Duration tick;
  private final ScheduledExecutorService scheduler;
  private final java.time.Clock clock;
  private final Map<String, Lease> held = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile Consumer<Lease> onTakeover = l -> {};

  /**
   * @param owner this engine instance; unique (host, process and a random part)
   * @param ttl how long a lease lives without a heartbeat; a heartbeat runs every fifth of it
   * @param progressInterval how often a running operation writes its progress and reads its cancel flag
   *     (the heartbeat rides along: it runs at the shorter of the two intervals)
   */
  public Leases(Db db, String owner, Duration ttl, Duration progressInterval, ScheduledExecutorService scheduler,
      java.time.Clock clock) {
    if (ttl.toMillis() < 500) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "the lease timeout must be at least 500ms, was " + ttl);
    }
    if (progressInterval.toMillis() < 50) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "the progress interval must be at least 50ms, was "
          + progressInterval);
    }
    this.db = db;
    this.owner = owner;
    this.ttl = ttl;
    this.heartbeat = ttl.dividedBy(5);
    this.tick = progressInterval.compareTo(heartbeat) < 0 ? progressInterval : heartbeat;
    this.scheduler = scheduler;
    this.clock = clock;
  }

  /** The leases this engine instance holds right now (its running operations). */
  public java.util.Collection<Lease> held() {
    return List.copyOf(held.values());
  }

  /** A lease this engine instance holds, by id. */
  public Optional<Lease> held(String id) {
    return Optional.ofNullable(held.get(id));
  }

  public Duration ttl() {
    return ttl;
  }

  public String owner() {
    return owner;
  }

  /** Runs after an exclusive lease was taken over from expired ones, while it is held (to settle their rows). */
  public void onTakeover(Consumer<Lease> action) {
    this.onTakeover = action;
  }

  /** What holds the operation lock right now, e.g. {@code backup bk-1 (by alice)}. */
  public Optional<String> holder() {
    return db.call(c -> Db.queryOne(c, "SELECT kind, target, requested_by FROM maintenance_operations"
        + " WHERE status = 'RUNNING' AND exclusive AND expires_at > now()", Leases::describe));
  }

  /**
   * Takes the operation lock or fails at once with {@code OPERATION_IN_PROGRESS} naming what holds it
   * (details {@code kind}, {@code target}).
   *
   * @param kind what runs, e.g. {@code backup}, {@code restore}, {@code retention}
   * @param target the backup, restore request or task it concerns
   */
  public Lease exclusive(String kind, String target, String requestedBy) {
    String id = newId();
    Connection c = null;
    long confirmed = System.nanoTime();
    List<String> expired;
    try {
      c = db.connect(db.timeout());
      c.setAutoCommit(true);
      boolean got = Db.queryOne(c, "SELECT pg_try_advisory_lock(?, hashtext(current_schema())) AS got",
          rs -> rs.getBoolean("got"), LOCK_CLASS).orElse(false);
      if (!got) {
        throw busy(kind, "", c);
      }
      Db.networkTimeout(c, lockConnectionTimeout());
      c.setAutoCommit(false);
      confirmed = System.nanoTime(); // before the transaction: the catalog's now() is no earlier
      List<Object[]> running = Db.query(c, "SELECT id, kind, target, requested_by, expires_at > now() AS live"
          + " FROM maintenance_operations WHERE status = 'RUNNING' AND exclusive FOR UPDATE", rs -> new Object[] {
              rs.getString("id"), rs.getString("kind"), rs.getString("target"), rs.getString("requested_by"),
              rs.getBoolean("live")});
      for (Object[] r : running) {
        if ((Boolean) r[4]) {
          c.rollback();
          throw busy(kind, r[1] + " " + r[2] + " (by " + r[3] + ")", c);
        }
      }
      expired = running.stream().map(r -> (String) r[0]).toList();
      for (String old : expired) {
        Db.update(c, "UPDATE maintenance_operations SET status = 'EXPIRED', finished_at = now() WHERE id = ?", old);
      }
      insert(c, id, kind, target, requestedBy, true);
      c.commit();
      c.setAutoCommit(true);
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState())) {
        throw busy(kind, "", c).exception; // another acquirer won the race for the single running lease
      }
      closeQuietly(c);
      throw Db.translate(e);
    } catch (RuntimeException e) {
      if (!(e instanceof Busy)) {
        closeQuietly(c);
      }
      throw e instanceof Busy b ? b.exception : e;
    }
    if (!expired.isEmpty()) {
      LOG.warn("Took over the operation lock from expired lease(s) {}: their owners stopped without releasing it", expired);
    }
    Lease lease = new Lease(id, kind, target, true, c, confirmed, expired);
    lease.start();
    if (!expired.isEmpty()) {
      try {
        onTakeover.accept(lease);
      } catch (RuntimeException e) {
        lease.close();
        throw e;
      }
    }
    return lease;
  }

  /** A lease that excludes nothing: it keeps the task row of a VERIFY or REINDEX from being settled while it runs. */
  public Lease shared(String kind, String target, String requestedBy) {
    String id = newId();
    long confirmed = System.nanoTime();
    db.tx(c -> {
      insert(c, id, kind, target, requestedBy, false);
      return null;
    });
    Lease lease = new Lease(id, kind, target, false, null, confirmed, List.of());
    lease.start();
    return lease;
  }

  /** The heartbeat connection must fail fast when the catalog hangs, so the lease is renewed on a new one in time. */
  private Duration lockConnectionTimeout() {
    return Duration.ofMillis(Math.max(1000, heartbeat.toMillis() * 2));
  }

  private void insert(Connection c, String id, String kind, String target, String requestedBy, boolean exclusive)
      throws SQLException {
    Db.update(c, "INSERT INTO maintenance_operations (id, kind, target, owner, requested_by, exclusive, status, started_at,"
        + " heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'RUNNING', now(), now(), now() + ? * interval '1 millisecond')",
        id, kind, target, owner, requestedBy, exclusive, ttl.toMillis());
  }

  /** Carries an OPERATION_IN_PROGRESS out of the acquisition after the connection was released. */
  private static final class Busy extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient MaintenanceException exception;

    Busy(MaintenanceException e) {
      super(e.getMessage(), null, false, false);
      this.exception = e;
    }
  }

  private Busy busy(String kind, String holder, Connection c) {
    closeQuietly(c); // releases the advisory lock if we had it
    String what = holder.isEmpty() ? currentHolder() : holder;
    return new Busy(new MaintenanceException(ErrorCode.OPERATION_IN_PROGRESS,
        "cannot start " + kind + ": " + what + " is running; try again when it has finished", Map.of("operation", kind,
            "runningOperation", what)));
  }

  /**
   * The holder of the advisory lock writes its lease row within milliseconds of taking the lock; a caller
   * that lost the race in between waits that long to say who holds it.
   */
  private String currentHolder() {
    for (int i = 0; i < 10; i++) {
      Optional<String> h = holder();
      if (h.isPresent()) {
        return h.get();
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return "another maintenance operation";
  }

  private static String describe(java.sql.ResultSet rs) throws SQLException {
    return rs.getString("kind") + " " + rs.getString("target") + " (by " + rs.getString("requested_by") + ")";
  }

  private static String newId() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return "op-" + HexFormat.of().formatHex(b);
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing releases the session's advisory lock either way
      }
    }
  }

  /** A held lease; closing it finishes the row and releases the lock. Thread-safe. */
  public final class Lease implements AutoCloseable {
    private final String id;
    private final String kind;
    private final String target;
    private final boolean exclusive;
    private final List<String> expiredPredecessors;
    private Connection connection;
    /** Whether {@link #connection} holds the advisory lock (a renewed connection may not have got it back). */
    private boolean holdsLock;
    private volatile long confirmedAt;
    private final java.util.concurrent.atomic.AtomicReference<String> lostReason =
        new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean closed;
    private ScheduledFuture<?> beat;
    private long lastWarn;
    private final io.maintenance.core.internal.operations.Tracker tracker = new io.maintenance.core.internal.operations.Tracker();
    /** Who asked to cancel the operation (seen in the catalog or asked in this process); null while nobody has. */
    private volatile String cancelledBy;
    private volatile io.maintenance.api.OperationStatus outcome;
    private volatile io.maintenance.api.ErrorInfo error;
    /** The progress last written, so an unchanged one is not written again. */
    private String writtenProgress;
    private String writtenPhase;

    private Lease(String id, String kind, String target, boolean exclusive, Connection connection, long confirmedAt,
        List<String> expiredPredecessors) {
      this.id = id;
      this.kind = kind;
      this.target = target;
      this.exclusive = exclusive;
      this.connection = connection;
      this.holdsLock = exclusive;
      this.confirmedAt = confirmedAt;
      this.expiredPredecessors = List.copyOf(expiredPredecessors);
    }

    public String id() {
      return id;
    }

    public String kind() {
      return kind;
    }

    public String target() {
      return target;
    }

    public boolean exclusive() {
      return exclusive;
    }

    /** The operation's progress, fed by the threads doing its work. */
    public io.maintenance.core.internal.operations.Tracker progress() {
      return tracker;
    }

    /** Asks the operation to stop at its next check (a cancel seen in the catalog, or asked in this process). */
    public void cancel(String by) {
      if (cancelledBy == null) {
        cancelledBy = by;
        LOG.warn("{} {} ({}) cancelled by {}", kind, target, id, by);
      }
    }

    public boolean isCancelled() {
      return cancelledBy != null;
    }

    /** Records that the operation succeeded (unless an outcome was recorded already); written when the lease closes. */
    public void succeeded() {
      if (outcome == null) {
        tracker.succeeded();
        outcome = io.maintenance.api.OperationStatus.SUCCEEDED;
      }
    }

    /** Records that the operation failed ({@code CANCELLED} when that is the code); written when the lease closes. */
    public void failed(io.maintenance.api.ErrorInfo why) {
      if (outcome == null) {
        error = why;
        outcome = ErrorCode.CANCELLED.name().equals(why.code()) ? io.maintenance.api.OperationStatus.CANCELLED
            : io.maintenance.api.OperationStatus.FAILED;
      }
    }

    public void failed(MaintenanceException e) {
      failed(io.maintenance.api.ErrorInfo.of(e));
    }

    /** Leases this one took over because they had expired (their rows are left to settle). */
    public List<String> expiredPredecessors() {
      return expiredPredecessors;
    }

    /**
     * Throws {@code LEASE_LOST} when the operation must stop: the lease was taken over, or it has not been
     * confirmed for so long that another replica may take it over soon. Cheap (no catalog call).
     */
    public void ensureActive() {
      String lost = lostReason.get();
      if (lost == null && System.nanoTime() - confirmedAt > ttl.minus(heartbeat).toNanos()) {
        lost = lose("the catalog has not confirmed it for " + ttl.minus(heartbeat).toMillis() + " ms");
      }
      if (lost != null) {
        throw new MaintenanceException(ErrorCode.LEASE_LOST, kind + " " + target + " stopped: its lease on the operation"
            + " lock was lost (" + lost + "); what it had not finished was not applied", Map.of("leaseId", id, "operation", kind));
      }
      String by = cancelledBy;
      if (by != null) {
        throw new MaintenanceException(ErrorCode.CANCELLED, kind + " " + target + " was cancelled by " + by
            + "; what it had not finished was not applied", Map.of("operationId", id, "cancelledBy", by));
      }
    }

    /**
     * The failure to report for {@code e}: when the operation was cancelled, the cancel (what a datastore's
     * workers hit while they were being stopped, such as an interrupted write, is a consequence), else {@code e}.
     */
    public RuntimeException causeOf(RuntimeException e) {
      if (!isCancelled()) {
        return e;
      }
      try {
        ensureActive();
        return e;
      } catch (MaintenanceException stop) {
        if (stop != e) {
          stop.addSuppressed(e);
        }
        return stop;
      }
    }

    public boolean isLost() {
      return lostReason.get() != null;
    }

    private void start() {
      held.put(id, this);
      long every = Math.max(50, tick.toMillis());
      beat = scheduler.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    private String lose(String reason) {
      if (lostReason.compareAndSet(null, reason)) {
        LOG.error("Lease {} of {} {} lost: {}", id, kind, target, reason);
      }
      return lostReason.get();
    }

    /** Moves the expiry forward; on a broken connection, renews on a new one and takes the advisory lock again. */
    private synchronized void heartbeat() {
      if (closed || lostReason.get() != null) {
        return;
      }
      long sent = System.nanoTime();
      try {
        int n;
        if (exclusive) {
          if (connection != null && !holdsLock) {
            holdsLock = Db.queryOne(connection, "SELECT pg_try_advisory_lock(?, hashtext(current_schema())) AS got",
                rs -> rs.getBoolean("got"), LOCK_CLASS).orElse(false);
          }
          if (connection == null) {
            connection = db.connect(heartbeat);
            Db.networkTimeout(connection, lockConnectionTimeout());
            connection.setAutoCommit(true);
            boolean relocked = Db.queryOne(connection, "SELECT pg_try_advisory_lock(?, hashtext(current_schema())) AS got",
                rs -> rs.getBoolean("got"), LOCK_CLASS).orElse(false);
            holdsLock = relocked;
            LOG.warn("Lease {}: catalog connection renewed{}", id, relocked ? "" : " (advisory lock busy; the lease row still holds)");
          }
          n = renew(connection);
        } else {
          n = db.call(this::renew);
        }
        if (n == 1) {
          confirmedAt = sent;
        } else {
          lose("another replica took it over after it expired");
        }
      } catch (SQLException | RuntimeException e) {
        if (exclusive) {
          closeQuietly(connection);
          connection = null;
        }
        if (System.nanoTime() - lastWarn > TimeUnit.SECONDS.toNanos(5)) {
          lastWarn = System.nanoTime();
          LOG.warn("Lease {} of {} {}: heartbeat failed ({}); retrying", id, kind, target, e.toString());
        }
      }
      if (lostReason.get() == null && System.nanoTime() - confirmedAt > ttl.minus(heartbeat).toNanos()) {
        lose("the catalog has not confirmed it for " + ttl.minus(heartbeat).toMillis() + " ms");
      }
    }

    /**
     * Moves the expiry forward, writes the phase and progress when they changed, and reads the cancel
     * request; returns the number of rows renewed (0: taken over).
     */
    private int renew(Connection c) throws SQLException {
      String phase = tracker.phase();
      String progress = io.maintenance.core.internal.Json.write(tracker.snapshot(clock.instant()));
      String newProgress = progress.equals(writtenProgress) ? null : progress;
      List<Optional<String>> cancel = Db.query(c, "UPDATE maintenance_operations SET heartbeat_at = now(),"
          + " expires_at = now() + ? * interval '1 millisecond', phase = ?, progress = coalesce(?::jsonb, progress),"
          + " progress_at = CASE WHEN ? THEN now() ELSE progress_at END"
          + " WHERE id = ? AND owner = ? AND status = 'RUNNING' AND expires_at > now() RETURNING cancel_requested_by",
          rs -> Optional.ofNullable(rs.getString(1)), ttl.toMillis(), phase, newProgress, newProgress != null || !phase.equals(writtenPhase),
          id, owner);
      if (!cancel.isEmpty()) {
        writtenProgress = progress;
        writtenPhase = phase;
        cancel.get(0).ifPresent(this::cancel);
      }
      return cancel.size();
    }

    /** Finishes the lease row and releases the lock; if the catalog cannot be reached, the lease simply expires. */
    @Override
    public void close() {
      if (beat != null) {
        beat.cancel(false);
      }
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        held.remove(id);
        if (outcome == null) {
          failed(new io.maintenance.api.ErrorInfo(ErrorCode.INTERNAL_ERROR.name(), kind + " " + target
              + " ended without reporting how it went; see the log"));
        }
        try {
          Connection c = connection != null ? connection : db.connect(db.timeout());
          try (c) {
            Db.update(c, "UPDATE maintenance_operations SET status = 'FINISHED', finished_at = now(), phase = 'done',"
                + " outcome = ?, error_code = ?, error_message = ?, progress = ?::jsonb, progress_at = now()"
                + " WHERE id = ? AND owner = ? AND status = 'RUNNING'", outcome.name(), error == null ? null : error.code(),
                error == null ? null : error.message(), io.maintenance.core.internal.Json.write(tracker.snapshot(clock.instant())),
                id, owner);
            if (exclusive && holdsLock && c == connection) {
              Db.query(c, "SELECT pg_advisory_unlock(?, hashtext(current_schema()))", rs -> null, LOCK_CLASS);
            }
          }
        } catch (SQLException | RuntimeException e) {
          LOG.warn("Lease {} of {} {}: could not release it ({}); it expires within {} ms", id, kind, target, e.toString(),
              ttl.toMillis());
        } finally {
          connection = null;
        }
      }
    }
  }
}
