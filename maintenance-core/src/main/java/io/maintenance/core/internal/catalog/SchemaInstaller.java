package io.maintenance.core.internal.catalog;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades the catalog tables from the versioned SQL files shipped in this jar, under an
 * advisory lock so that several replicas starting at once do not race. Applied versions are recorded
 * with their checksum in {@code maintenance_schema_version}; a changed file is refused.
 */
public final class SchemaInstaller {
  /** Versions this engine knows, in order. */
  public static final List<Migration> MIGRATIONS = List.of(
      new Migration(1, "catalog", "V1__catalog.sql"),
      new Migration(2, "restore resources", "V2__restore_resources.sql"),
      new Migration(3, "leases, reconciliation, corrupt backups, storage ownership", "V3__reliability.sql"),
      new Migration(4, "artifact keys", "V4__artifact_keys.sql"),
      new Migration(5, "operations, schedules", "V5__operations.sql"),
      new Migration(6, "restore drills", "V6__drills.sql"));

  public static final int CURRENT_VERSION = MIGRATIONS.get(MIGRATIONS.size() - 1).version();

  private static final Logger LOG = LoggerFactory.getLogger(SchemaInstaller.class);
  private static final long LOCK_KEY = 0x6d61696e745f7363L; // "maint_sc"

  public record Migration(int version, String description, String resource) {
    String sql() {
      try (InputStream in = SchemaInstaller.class.getResourceAsStream("/io/maintenance/core/schema/" + resource)) {
        if (in == null) {
          throw new IllegalStateException("schema file missing from the jar: " + resource);
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String checksum() {
      return Digests.sha256Hex(sql());
    }
  }

  private final Db db;
  private final Clock clock;

  public SchemaInstaller(Db db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** Brings the catalog to {@link #CURRENT_VERSION}. */
  public void install() {
    db.call(c -> {
      try (Statement st = c.createStatement()) {
        // Another replica migrating holds it for seconds; waiting longer than the catalog timeout means something is stuck.
        st.execute("SET lock_timeout = " + Math.max(1, db.timeout().toMillis()));
        st.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
        st.execute("RESET lock_timeout");
      }
      try {
        ensureVersionTable(c);
        Map<Integer, String> applied = appliedVersions(c);
        for (Migration m : MIGRATIONS) {
          String recorded = applied.get(m.version());
          if (recorded != null) {
            if (!recorded.equals(m.checksum())) {
              throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "catalog schema version " + m.version()
                  + " was applied from a different file than this engine ships (checksum mismatch)");
            }
            continue;
          }
          apply(c, m);
        }
        return null;
      } finally {
        try (Statement st = c.createStatement()) {
          st.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
        }
      }
    });
  }

  /** The highest version applied, if the catalog exists at all. */
  public OptionalInt installedVersion() {
    return db.call(c -> {
      if (!versionTableExists(c)) {
        return OptionalInt.empty();
      }
      return Db.queryOne(c, "SELECT max(version) AS v FROM maintenance_schema_version", rs -> rs.getInt("v"))
          .map(OptionalInt::of).orElse(OptionalInt.empty());
    });
  }

  private void apply(Connection c, Migration m) throws SQLException {
    LOG.info("Applying catalog schema version {} ({})", m.version(), m.description());
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute(m.sql());
      Db.update(c, "INSERT INTO maintenance_schema_version (version, description, checksum, installed_at) VALUES (?, ?, ?, ?)",
          m.version(), m.description(), m.checksum(), clock.instant());
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  private static void ensureVersionTable(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS maintenance_schema_version ("
          + " version integer PRIMARY KEY, description text NOT NULL, checksum text NOT NULL,"
          + " installed_at timestamptz NOT NULL)");
    }
  }

  private static boolean versionTableExists(Connection c) throws SQLException {
    return Db.queryOne(c, "SELECT to_regclass('maintenance_schema_version') IS NOT NULL AS e", rs -> rs.getBoolean("e"))
        .orElse(false);
  }

  private static Map<Integer, String> appliedVersions(Connection c) throws SQLException {
    Map<Integer, String> out = new java.util.HashMap<>();
    for (var row : Db.query(c, "SELECT version, checksum FROM maintenance_schema_version",
        rs -> Map.entry(rs.getInt("version"), rs.getString("checksum")))) {
      out.put(row.getKey(), row.getValue());
    }
    return out;
  }
}
