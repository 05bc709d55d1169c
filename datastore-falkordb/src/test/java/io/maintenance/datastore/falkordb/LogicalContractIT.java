package io.maintenance.datastore.falkordb;

/** The TCK's datastore contract with logical backups. */
class LogicalContractIT extends FalkorDbContract {
  @Override
  protected String format() {
    return "logical";
  }
}
