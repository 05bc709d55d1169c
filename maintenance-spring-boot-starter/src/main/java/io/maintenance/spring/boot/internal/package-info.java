/**
 * The starter's implementation. Not promised: may change in any release.
 */
package io.maintenance.spring.boot.internal;
