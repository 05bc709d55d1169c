/**
 * The PostgreSQL benchmark (against pg_dump and pg_restore); a program, not a library.
 */
package io.maintenance.benchmarks.postgres;
