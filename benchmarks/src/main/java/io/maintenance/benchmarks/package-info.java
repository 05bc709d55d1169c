/**
 * What the benchmark programs share; not a library.
 */
package io.maintenance.benchmarks;
