package io.maintenance.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The plugins' main code uses only what is promised to plugin authors ({@code io.maintenance.api},
 * {@code io.maintenance.spi}, {@code io.maintenance.spi.support}); the Maven enforcer already refuses a
 * dependency on the engine, this refuses the engine machinery that ships inside the API jar. This module
 * sees every plugin, so the check lives here.
 */
class PluginBoundariesTest {
  private static final JavaClasses MAIN_CODE = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.maintenance");

  @Test
  void pluginsUseOnlyThePromisedApi() {
    noClasses().that().resideInAnyPackage("io.maintenance.storage..", "io.maintenance.datastore..")
        .should().dependOnClassesThat().resideInAnyPackage("io.maintenance.spi.internal..", "io.maintenance.core..")
        .because("plugins are written against the promised API only; spi.internal and the engine may change in any release")
        .check(MAIN_CODE);
  }

  @Test
  void thePromisedApiDoesNotDependOnTheEngineMachinery() {
    noClasses().that().resideInAnyPackage("io.maintenance.api..", "io.maintenance.spi", "io.maintenance.spi.support..")
        .should().dependOnClassesThat().resideInAnyPackage("io.maintenance.spi.internal..", "io.maintenance.core..")
        .check(MAIN_CODE);
  }
}
