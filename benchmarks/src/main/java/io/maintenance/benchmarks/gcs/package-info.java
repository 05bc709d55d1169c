/**
 * The GCS storage benchmark; a program, not a library.
 */
package io.maintenance.benchmarks.gcs;
