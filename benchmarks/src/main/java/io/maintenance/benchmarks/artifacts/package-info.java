/**
 * The artifacts benchmark (compression and encryption against the zstd CLI and pg_dump); a program, not a
 * library.
 */
package io.maintenance.benchmarks.artifacts;
