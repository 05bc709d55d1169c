package io.maintenance.spi.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What every datastore builder shares: the required id, and the {@code include}/{@code exclude} globs
 * of the resources to back up (see {@link NameFilter}), where each call adds to what was given before.
 *
 * @param <B> the concrete builder, returned by the chained methods
 */
public abstract class DatastoreBuilder<B extends DatastoreBuilder<B>> {
  private final String id;
  private final List<String> include = new ArrayList<>();
  private final List<String> exclude = new ArrayList<>();

  protected DatastoreBuilder(String id) {
    this.id = Objects.requireNonNull(id, "id");
  }

  /** Globs ({@code *}, {@code ?}) of the resources to back up, added to those given before; all when none is given. */
  public B include(String... globs) {
    include.addAll(List.of(globs));
    return self();
  }

  /** Globs of the resources to leave out, added to those given before; applied after {@link #include}. */
  public B exclude(String... globs) {
    exclude.addAll(List.of(globs));
    return self();
  }

  /** The datastore's id. */
  protected final String id() {
    return id;
  }

  /** The include globs given so far (empty: every resource). */
  protected final List<String> includes() {
    return List.copyOf(include);
  }

  /** The exclude globs given so far. */
  protected final List<String> excludes() {
    return List.copyOf(exclude);
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }
}
