package io.maintenance.datastore.falkordb.internal;

/** Points in a restore where tests inject failures (the swap phase cannot be broken from outside). */
public interface RestoreHooks {
  RestoreHooks NONE = new RestoreHooks() {};

  /** Called after {@code graph} was replaced by its restored copy, before the result is verified. */
  default void afterSwap(String graph) {}
}
