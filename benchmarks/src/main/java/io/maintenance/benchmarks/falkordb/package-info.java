/**
 * The FalkorDB benchmark (against BGSAVE, redis-cli --rdb and GRAPH.COPY); a program, not a library.
 */
package io.maintenance.benchmarks.falkordb;
