package io.maintenance.spi.support;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What every datastore builder shares: the required id, and the {@code include}/{@code exclude} globs
 * of the resources to back up (see {@link NameFilter}), where each call adds to what was given before.
 *
 * @param <B> the concrete builder, returned by the chained methods
 */
public abstract class DatastoreBuilder<B extends DatastoreBuilder<B>> {
  private final @Nullable String id;
  private final List<String> include = new ArrayList<>();
  private final List<String> exclude = new ArrayList<>();

  /** The id is checked by {@link #id()}, i.e. when the concrete builder builds. */
  protected DatastoreBuilder(@Nullable String id) {
    this.id = id;
  }

  /** Globs ({@code *}, {@code ?}) of the resources to back up, added to those given before; all when none is given. */
  public B include(String... globs) {
    return include(List.of(globs));
  }

  /** As {@link #include(String...)}. */
  public B include(List<String> globs) {
    include.addAll(List.copyOf(globs));
    return self();
  }

  /** Globs of the resources to leave out, added to those given before; applied after {@link #include}. */
  public B exclude(String... globs) {
    return exclude(List.of(globs));
  }

  /** As {@link #exclude(String...)}. */
  public B exclude(List<String> globs) {
    exclude.addAll(List.copyOf(globs));
    return self();
  }

  /** The datastore's id; {@code CONFIG_INVALID} naming {@code id} when none (or a blank one) was given. */
  protected final String id() {
    if (id == null || id.isBlank()) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "a datastore needs an id", Map.of("key", "id"));
    }
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
