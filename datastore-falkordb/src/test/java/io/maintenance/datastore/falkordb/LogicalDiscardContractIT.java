package io.maintenance.datastore.falkordb;

/** The TCK's discard contract with logical backups. */
class LogicalDiscardContractIT extends FalkorDbDiscardContract {
  @Override
  protected String format() {
    return "logical";
  }
}
