/**
 * Spring Boot auto-configuration for the engine. Promised: the {@code maintenance.*} properties and the
 * bean types a host may replace.
 */
package io.maintenance.spring.boot;
