/**
 * The demo, the reference admin server and the command line; examples, not a library.
 */
package io.maintenance.examples;
