/**
 * An example Spring Boot service on the maintenance starter; not a library.
 */
package io.maintenance.examples.spring;
