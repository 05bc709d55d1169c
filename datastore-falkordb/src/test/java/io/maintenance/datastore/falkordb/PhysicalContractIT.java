package io.maintenance.datastore.falkordb;

/** The TCK's datastore contract with physical backups. */
class PhysicalContractIT extends FalkorDbContract {
  @Override
  protected String format() {
    return "physical";
  }
}
