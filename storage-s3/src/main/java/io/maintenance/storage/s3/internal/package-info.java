/**
 * The S3 plugin's implementation. Not promised: may change in any release.
 */
package io.maintenance.storage.s3.internal;
