package io.maintenance.core.internal.audit;

import com.fasterxml.jackson.core.type.TypeReference;
import io.maintenance.api.AuditEvent;
import io.maintenance.api.AuditQuery;
import io.maintenance.api.AuditRecord;
import io.maintenance.api.AuditVerification;
import io.maintenance.api.Inputs;
import io.maintenance.core.internal.Json;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.spi.AuditSink;
import io.maintenance.spi.support.Digests;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Audit trail: every event goes to the SLF4J logger {@code maintenance.audit} as key-value pairs and
 * into {@code maintenance_audit_log}, where each row's hash covers its content and the previous row's
 * hash, so editing, deleting or reordering rows breaks the chain at that row.
 */
public final class AuditLog {
  public static final String GENESIS = "0".repeat(64);

  private static final Logger AUDIT = LoggerFactory.getLogger("maintenance.audit");
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final long CHAIN_LOCK = 0x6d61696e745f6175L; // "maint_au"

  private final Db db;
  private final List<AuditSink> sinks;

  public AuditLog(Db db, List<AuditSink> sinks) {
    this.db = db;
    this.sinks = List.copyOf(sinks);
  }

  /** Appends an event. A catalog failure is logged, never thrown over the operation being audited. */
  public void record(AuditEvent event) {
    // Whatever a caller sent (an id with a NUL, a label with a line break) is stored and logged escaped.
    Map<String, String> details = new TreeMap<>();
    event.details().forEach((k, v) -> details.put(Inputs.escape(k), Inputs.escape(v)));
    AuditEvent e = new AuditEvent(Db.micros(event.occurredAt()), Inputs.escape(event.actor()), Inputs.escape(event.action()),
        Inputs.escape(event.outcome()), Inputs.escape(event.target()), details);
    long seq = -1;
    try {
      seq = db.tx(c -> append(c, e));
    } catch (RuntimeException ex) {
      LOG.error("Could not write audit event {} {} to the catalog: {}", e.action(), e.target(), ex.getMessage());
    }
    log(seq, e);
    for (AuditSink sink : sinks) {
      try {
        sink.publish(e);
      } catch (RuntimeException ex) {
        LOG.warn("Audit sink {} failed: {}", sink.getClass().getName(), ex.toString());
      }
    }
  }

  public List<AuditRecord> list(AuditQuery q) {
    return db.call(c -> Db.query(c, "SELECT seq, occurred_at, actor, action, outcome, target, details::text AS details,"
            + " prev_hash, hash FROM maintenance_audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?",
        AuditLog::row, q.beforeSequence().orElse(Long.MAX_VALUE), q.limit()));
  }

  /** Re-computes the chain from the first row, streaming; reports the first row that does not match. */
  public AuditVerification verify() {
    return db.tx(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT seq, occurred_at, actor, action, outcome, target,"
          + " details::text AS details, prev_hash, hash FROM maintenance_audit_log ORDER BY seq")) {
        ps.setFetchSize(1000);
        try (ResultSet rs = ps.executeQuery()) {
          String expectedPrev = GENESIS;
          long expectedSeq = 1;
          long checked = 0;
          while (rs.next()) {
            AuditRecord r = row(rs);
            checked++;
            if (r.sequence() != expectedSeq) {
              return broken(checked, r.sequence(), "row " + expectedSeq + " is missing (next row is " + r.sequence() + ")");
            }
            if (!r.previousHash().equals(expectedPrev)) {
              return broken(checked, r.sequence(), "row " + r.sequence() + " does not link to the row before it");
            }
            if (!hash(r.sequence(), r.event(), r.previousHash()).equals(r.hash())) {
              return broken(checked, r.sequence(), "row " + r.sequence() + " was modified after it was written");
            }
            expectedPrev = r.hash();
            expectedSeq++;
          }
          return new AuditVerification(true, checked, Optional.empty(), "all " + checked + " rows match their hashes");
        }
      }
    });
  }

  private static AuditVerification broken(long checked, long seq, String detail) {
    return new AuditVerification(false, checked, Optional.of(seq), detail);
  }

  private static long append(Connection c, AuditEvent e) throws SQLException {
    // Serialise appenders so that each row links to the one before it.
    Db.query(c, "SELECT pg_advisory_xact_lock(?)", rs -> null, CHAIN_LOCK);
    var last = Db.queryOne(c, "SELECT seq, hash FROM maintenance_audit_log ORDER BY seq DESC LIMIT 1",
        rs -> Map.entry(rs.getLong("seq"), rs.getString("hash")));
    long seq = last.map(Map.Entry::getKey).orElse(0L) + 1;
    String prev = last.map(Map.Entry::getValue).orElse(GENESIS);
    Db.update(c, "INSERT INTO maintenance_audit_log (seq, occurred_at, actor, action, outcome, target, details, prev_hash, hash)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)",
        seq, e.occurredAt(), e.actor(), e.action(), e.outcome(), e.target(), new Db.JsonText(Json.write(new TreeMap<>(e.details()))),
        prev, hash(seq, e, prev));
    return seq;
  }

  /** The row hash: SHA-256 over the previous hash and a canonical rendering of the row. */
  static String hash(long seq, AuditEvent e, String prevHash) {
    String canonical = String.join("\n", prevHash, Long.toString(seq), e.occurredAt().toString(), e.actor(), e.action(),
        e.outcome(), e.target(), Json.write(new TreeMap<>(e.details())));
    return Digests.sha256Hex(canonical);
  }

  private static AuditRecord row(ResultSet rs) throws SQLException {
    Map<String, String> details = Json.read(rs.getString("details"), new TypeReference<Map<String, String>>() {});
    AuditEvent e = new AuditEvent(Db.instant(rs, "occurred_at"), rs.getString("actor"), rs.getString("action"),
        rs.getString("outcome"), rs.getString("target"), details);
    return new AuditRecord(rs.getLong("seq"), e, rs.getString("prev_hash"), rs.getString("hash"));
  }

  private static void log(long seq, AuditEvent e) {
    LoggingEventBuilder b = AUDIT.atInfo()
        .addKeyValue("seq", seq)
        .addKeyValue("actor", e.actor())
        .addKeyValue("action", e.action())
        .addKeyValue("outcome", e.outcome())
        .addKeyValue("target", e.target());
    for (Map.Entry<String, String> d : new TreeMap<>(e.details()).entrySet()) {
      b = b.addKeyValue(d.getKey(), d.getValue());
    }
    // The fields travel as key-value pairs; the message is a one-line summary for plain-text logs.
    b.log("audit " + e.action() + " " + e.outcome() + " " + logfmt(e.target()) + " by " + logfmt(e.actor()));
  }

  /** Snapshot of details without nulls, for building events. */
  public static Map<String, String> details(String... keyValues) {
    Map<String, String> m = new TreeMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      if (keyValues[i + 1] != null) {
        m.put(keyValues[i], keyValues[i + 1]);
      }
    }
    return m;
  }

  /** Quotes a value when it would break key=value parsing. */
  private static String logfmt(String v) {
    if (!v.isEmpty() && v.chars().noneMatch(ch -> ch <= ' ' || ch == '"' || ch == '=')) {
      return v;
    }
    return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }
}
