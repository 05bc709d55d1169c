package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.TaskItem;
import io.maintenance.api.TaskType;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
import io.maintenance.spi.TaskContext;
import io.maintenance.spi.TaskOutcome;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The REINDEX task: {@code VACUUM (ANALYZE)} then {@code REINDEX TABLE [CONCURRENTLY]} per selected table. */
public final class Upkeep {
  private Upkeep() {}

  public static TaskOutcome run(DataSource ds, Settings settings, TaskContext ctx) {
    if (ctx.type() != TaskType.REINDEX) {
      return TaskOutcome.none();
    }
    List<TaskItem> items = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(true); // VACUUM and REINDEX CONCURRENTLY cannot run in a transaction block
      List<TableRef> tables = Catalog.tables(c, settings.selector());
      int done = 0;
      for (TableRef t : tables) {
        String target = t.resourceName();
        String reindex = "REINDEX TABLE " + (settings.reindexConcurrently() ? "CONCURRENTLY " : "") + t.qualified();
        if (ctx.dryRun()) {
          items.add(new TaskItem(target, "vacuum-analyze", "would-do", "VACUUM (ANALYZE)"));
          items.add(new TaskItem(target, "reindex", "would-do", reindex.substring(0, reindex.indexOf(" \""))));
          continue;
        }
        items.add(step(c, target, "vacuum-analyze", "VACUUM (ANALYZE) " + t.qualified()));
        items.add(step(c, target, "reindex", reindex));
        ctx.progress().onProgress("reindex", ++done, tables.size());
      }
    } catch (SQLException e) {
      throw PostgresErrors.datastore("housekeeping failed", e);
    }
    return new TaskOutcome(items);
  }

  private static TaskItem step(Connection c, String target, String action, String sql) {
    long start = System.nanoTime();
    try (Statement st = c.createStatement()) {
      st.execute(sql);
      return new TaskItem(target, action, "done", "took " + (System.nanoTime() - start) / 1_000_000 + " ms");
    } catch (SQLException e) {
      return new TaskItem(target, action, "DATASTORE_FAILURE", e.getMessage());
    }
  }
}
