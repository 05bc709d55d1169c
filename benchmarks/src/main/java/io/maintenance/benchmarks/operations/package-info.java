/**
 * The operations benchmarks (polling through the admin routes, what progress costs a backup); programs, not a
 * library.
 */
package io.maintenance.benchmarks.operations;
