/**
 * The GCS plugin's implementation. Not promised: may change in any release.
 */
package io.maintenance.storage.gcs.internal;
