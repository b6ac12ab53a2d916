package io.darestream.app.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and package rules of DESIGN.md section 2, checked over the compiled classes of every
 * module (the launcher's test class path sees them all). Maven's dependency rules already stop a
 * module from compiling against a module it must not use; these rules also catch package cycles
 * inside a module.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    // The modules come as target/classes folders (mvn test) or as jars (mvn verify, after
    // package); test classes come as test-classes folders or test jars: keep main code only.
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("io.darestream");
  }

  @Test
  void everyModuleIsOnTheClassPath() {
    for (String pkg :
        new String[] {
          "io.darestream.schemas",
          "io.darestream.state",
          "io.darestream.model",
          "io.darestream.jobs",
          "io.darestream.serving",
          "io.darestream.kafka.embedded",
          "io.darestream.app"
        }) {
      if (classes.stream().noneMatch(c -> c.getPackageName().startsWith(pkg))) {
        throw new AssertionError(
            "no classes imported from " + pkg + ": the rules would pass vacuously");
      }
    }
  }

  @Test
  void coreModulesKnowNothingOfFlink() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.darestream.schemas..", "io.darestream.state..", "io.darestream.model..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.flink..",
            "io.darestream.jobs..",
            "io.darestream.serving..",
            "io.darestream.app..")
        .check(classes);
  }

  @Test
  void theJobDoesNotUseServingOrTheLauncher() {
    noClasses()
        .that()
        .resideInAPackage("io.darestream.jobs..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.darestream.serving..", "io.darestream.app..", "io.darestream.kafka.embedded..")
        .check(classes);
  }

  @Test
  void servingDoesNotUseTheJobOrTheLauncher() {
    noClasses()
        .that()
        .resideInAPackage("io.darestream.serving..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.darestream.jobs..", "io.darestream.app..", "org.apache.flink..")
        .check(classes);
  }

  @Test
  void theEmbeddedBrokerStandsAlone() {
    noClasses()
        .that()
        .resideInAPackage("io.darestream.kafka.embedded..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.darestream.schemas..",
            "io.darestream.state..",
            "io.darestream.model..",
            "io.darestream.jobs..",
            "io.darestream.serving..",
            "io.darestream.app..")
        .check(classes);
  }

  @Test
  void noPackageCycles() {
    slices().matching("io.darestream.(*).(*)..").should().beFreeOfCycles().check(classes);
  }
}
