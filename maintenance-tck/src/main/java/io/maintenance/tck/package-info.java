/**
 * The contract kit for plugin authors' tests: {@code StorageProviderContract}, {@code DatastoreContract}
 * and their helpers. Promised for use in tests; new contract cases may be added in any release.
 */
package io.maintenance.tck;
