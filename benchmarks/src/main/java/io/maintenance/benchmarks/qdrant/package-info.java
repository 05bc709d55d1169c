/**
 * The Qdrant benchmark (against curl on the snapshot API); a program, not a library.
 */
package io.maintenance.benchmarks.qdrant;
