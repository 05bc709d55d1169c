/**
 * The S3 storage benchmark; a program, not a library.
 */
package io.maintenance.benchmarks.s3;
