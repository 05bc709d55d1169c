/**
 * The {@code maintenance} command line; its commands, options and exit codes are documented in docs/cli.md.
 */
package io.maintenance.examples.cli;
