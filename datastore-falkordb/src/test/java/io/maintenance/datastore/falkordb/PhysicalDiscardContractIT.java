package io.maintenance.datastore.falkordb;

/** The TCK's discard contract with physical backups. */
class PhysicalDiscardContractIT extends FalkorDbDiscardContract {
  @Override
  protected String format() {
    return "physical";
  }
}
