package io.maintenance.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ResourceSummary;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.RestoreOutcome;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a {@link Datastore} that {@link Datastore#supportsDiscard() supports discard} must do to serve as the
 * sandbox of a restore drill: a backup of a seeded source restores into an empty sandbox, {@code discard} of the
 * backup's resources leaves the sandbox holding none of them (a new plan shows every resource created again), and
 * the sandbox takes the next drill. Extend it in an integration test against a real server.
 */
public abstract class DiscardContract {
  protected Datastore source;
  protected Datastore sandbox;
  protected DatastoreHarness from;
  protected DatastoreHarness into;

  /** A datastore connected to the test server, holding seeded data (as in {@link DatastoreContract}). */
  protected abstract Datastore createSource() throws Exception;

  /**
   * Another instance of the same type and id, connected to an empty target (a scratch database, graph, collection
   * prefix) the test created fresh.
   */
  protected abstract Datastore createSandbox() throws Exception;

  /** An exact rendering of everything the sandbox target holds (for the datastore's own tool, e.g. a schema dump). */
  protected abstract String sandboxContents() throws Exception;

  @BeforeEach
  void setUpDatastores() throws Exception {
    source = createSource();
    sandbox = createSandbox();
    from = new DatastoreHarness(source);
    into = new DatastoreHarness(sandbox, from.storage());
  }

  @AfterEach
  void closeDatastores() throws Exception {
    if (sandbox != null) {
      sandbox.close();
    }
    if (source != null) {
      source.close();
    }
  }

  @Test
  public void supportsDiscard() {
    assertThat(sandbox.supportsDiscard()).isTrue();
  }

  @Test
  public void discardLeavesTheSandboxAsEmptyAsBeforeTheRestore() throws Exception {
    DatastoreManifest m = from.backup();
    String empty = sandboxContents();
    DatastorePlan plan = into.plan(m);
    assertThat(plan.resources()).as("the sandbox starts empty").allSatisfy(d -> assertThat(d.change()).as(d.name())
        .isEqualTo(ChangeKind.CREATE));
    RestoreOutcome outcome = into.restore(m, plan);
    assertThat(outcome.resources().stream().map(ResourceSummary::name).collect(Collectors.toSet()))
        .containsAll(names(m));
    assertThat(sandboxContents()).isNotEqualTo(empty);

    sandbox.discard(names(m));

    assertThat(sandboxContents()).as("what the sandbox holds after discard").isEqualTo(empty);
    assertThat(into.plan(m).resources()).allSatisfy(d -> assertThat(d.change()).as(d.name()).isEqualTo(ChangeKind.CREATE));
  }

  @Test
  public void theSandboxTakesTheNextDrill() throws Exception {
    DatastoreManifest m = from.backup();
    String empty = sandboxContents();
    for (int drill = 0; drill < 2; drill++) {
      into.restore(m, into.plan(m));
      sandbox.discard(names(m));
      assertThat(sandboxContents()).as("after drill %d", drill + 1).isEqualTo(empty);
    }
  }

  @Test
  public void discardOfResourcesThatDoNotExistDoesNothing() throws Exception {
    DatastoreManifest m = from.backup();
    String empty = sandboxContents();

    sandbox.discard(names(m));

    assertThat(sandboxContents()).isEqualTo(empty);
  }

  protected static Set<String> names(DatastoreManifest m) {
    return m.resources().stream().map(ResourceSummary::name).collect(Collectors.toCollection(TreeSet::new));
  }
}
