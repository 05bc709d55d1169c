package io.maintenance.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreOutcome;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Datastore} must show. Extend it in an integration test against a real
 * server (or the most faithful double the machine allows) and describe your test data with
 * {@link #seed()}, {@link #mutate()} and {@link #liveData()}.
 */
public abstract class DatastoreContract {
  private static final Set<ErrorCode> BAD_ARTIFACT = Set.of(ErrorCode.INTEGRITY_MISMATCH, ErrorCode.INCOMPATIBLE_ARTIFACT);

  protected Datastore datastore;
  protected DatastoreHarness harness;

  /** A datastore instance connected to the test server. */
  protected abstract Datastore createDatastore() throws Exception;

  /** Puts the live data into a known state, replacing whatever is there. */
  protected abstract void seed() throws Exception;

  /** Changes the live data so a restore has to undo it: add, change and delete items. */
  protected abstract void mutate() throws Exception;

  /** An exact, canonical rendering of all the live data a restore must bring back (sorted). */
  protected abstract String liveData() throws Exception;

  @BeforeEach
  void setUpDatastore() throws Exception {
    seed();
    datastore = createDatastore();
    harness = new DatastoreHarness(datastore);
  }

  @AfterEach
  void closeDatastore() throws Exception {
    if (datastore != null) {
      datastore.close();
    }
  }

  @Test
  public void probeReportsUp() {
    assertThat(datastore.probe().status()).isEqualTo(ProbeStatus.UP);
    assertThat(datastore.probe().code()).isEqualTo("OK");
  }

  @Test
  public void backupRecordsArtifactsResourcesAndFingerprint() throws Exception {
    DatastoreManifest m = harness.backup();

    assertThat(m.artifacts()).isNotEmpty();
    assertThat(m.artifacts()).allSatisfy(a -> {
      assertThat(a.sha256()).hasSize(64);
      assertThat(harness.storage().backing().bytes(harness.artifactKey(m, a.name())))
          .hasValueSatisfying(b -> assertThat(b.length).isEqualTo(a.size()));
    });
    assertThat(m.resources()).isNotEmpty();
    assertThat(m.sourceFingerprint()).isEqualTo(datastore.fingerprint(Set.of()).value());
  }

  @Test
  public void fingerprintIsStableAndChangesWithTheData() throws Exception {
    Fingerprint first = datastore.fingerprint(Set.of());
    assertThat(datastore.fingerprint(Set.of())).isEqualTo(first);

    mutate();

    assertThat(datastore.fingerprint(Set.of()).value()).isNotEqualTo(first.value());
  }

  @Test
  public void restoreBringsBackExactlyWhatWasBackedUp() throws Exception {
    String original = liveData();
    DatastoreManifest m = harness.backup();
    mutate();
    assertThat(liveData()).as("mutate() must change the live data").isNotEqualTo(original);

    DatastorePlan plan = harness.plan(m);
    harness.restore(m, plan);

    assertThat(liveData()).isEqualTo(original);
  }

  @Test
  public void planWritesNothingAndDiffsLiveDataAgainstTheBackup() throws Exception {
    DatastoreManifest m = harness.backup();
    mutate();
    String mutated = liveData();
    Fingerprint before = datastore.fingerprint(Set.of());

    DatastorePlan plan = harness.plan(m);

    assertThat(liveData()).as("a plan is a dry run").isEqualTo(mutated);
    assertThat(datastore.fingerprint(Set.of())).isEqualTo(before);
    assertThat(plan.datastoreId()).isEqualTo(datastore.id());
    assertThat(plan.type()).isEqualTo(datastore.type());
    assertThat(plan.resources()).isNotEmpty();
    // The "after" side of every diff is what the backup holds.
    Map<String, Map<String, Long>> backedUp = m.resources().stream()
        .collect(Collectors.toMap(ResourceSummary::name, ResourceSummary::counts));
    for (ResourceDiff d : plan.resources()) {
      assertThat(backedUp).as("plan names resource %s of the backup", d.name()).containsKey(d.name());
      for (CountChange c : d.counts()) {
        if (backedUp.get(d.name()).containsKey(c.metric())) {
          assertThat(c.after()).as("%s %s after", d.name(), c.metric()).isEqualTo(backedUp.get(d.name()).get(c.metric()));
        }
      }
    }
    assertThat(plan.resources()).anySatisfy(d -> assertThat(d.counts()).anySatisfy(c ->
        assertThat(c.before()).as("mutate() changed a count").isNotEqualTo(c.after())));
  }

  @Test
  public void restoreOutcomeMatchesThePlan() throws Exception {
    DatastoreManifest m = harness.backup();
    mutate();
    DatastorePlan plan = harness.plan(m);

    RestoreOutcome outcome = harness.restore(m, plan);

    Map<String, Map<String, Long>> found = outcome.resources().stream()
        .collect(Collectors.toMap(ResourceSummary::name, ResourceSummary::counts));
    for (ResourceDiff d : plan.resources()) {
      for (CountChange c : d.counts()) {
        assertThat(found.getOrDefault(d.name(), Map.of()))
            .as("%s %s after restore", d.name(), c.metric())
            .containsEntry(c.metric(), c.after());
      }
    }
  }

  @Test
  public void restoringTwiceGivesTheSameData() throws Exception {
    String original = liveData();
    DatastoreManifest m = harness.backup();
    mutate();

    harness.restore(m, harness.plan(m));
    harness.restore(m, harness.plan(m));

    assertThat(liveData()).isEqualTo(original);
  }

  @Test
  public void alteredArtifactFailsTheRestoreAndLeavesLiveDataAsItWas() throws Exception {
    DatastoreManifest m = harness.backup();
    DatastorePlan plan = harness.plan(m);
    mutate();
    String mutated = liveData();
    String key = harness.artifactKey(m, largest(m).name());
    byte[] bytes = harness.storage().backing().bytes(key).orElseThrow();
    bytes[bytes.length / 2] ^= 0x5a;
    harness.storage().backing().tamper(key, bytes);

    assertThatThrownBy(() -> harness.restore(m, plan))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isIn(BAD_ARTIFACT));
    assertThat(liveData()).isEqualTo(mutated);
  }

  @Test
  public void truncatedArtifactFailsTheRestoreAndLeavesLiveDataAsItWas() throws Exception {
    DatastoreManifest m = harness.backup();
    DatastorePlan plan = harness.plan(m);
    mutate();
    String mutated = liveData();
    String key = harness.artifactKey(m, largest(m).name());
    byte[] bytes = harness.storage().backing().bytes(key).orElseThrow();
    harness.storage().backing().tamper(key, Arrays.copyOf(bytes, bytes.length / 2));

    assertThatThrownBy(() -> harness.restore(m, plan))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isIn(BAD_ARTIFACT));
    assertThat(liveData()).isEqualTo(mutated);
  }

  private static ArtifactInfo largest(DatastoreManifest m) {
    return m.artifacts().stream().max(Comparator.comparingLong(ArtifactInfo::size)).orElseThrow();
  }
}
