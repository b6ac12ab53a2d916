package io.darestream.schemas.serde;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Marks the project's generated Avro classes as trusted. Avro 1.12 refuses to instantiate classes
 * outside its trusted packages; every codec calls {@link #ensure()} before creating readers so that
 * no entry point has to remember the JVM flag.
 *
 * <p>Why both mechanisms: Avro reads {@code org.apache.avro.SERIALIZABLE_PACKAGES} exactly once,
 * when {@link ClassSecurityValidator} is initialised, so setting the property is too late in a JVM
 * where any Avro reader ran before the first codec. {@link #ensure()} therefore also widens Avro's
 * global validator in place; it sets the property too, for code that reads the property itself.
 */
public final class AvroTrust {
  /** System property Avro reads (once, at class initialisation) for the trusted packages. */
  public static final String PROPERTY = "org.apache.avro.SERIALIZABLE_PACKAGES";

  /** Package root of the project's generated classes. */
  public static final String PROJECT_PACKAGE = "io.darestream";

  private static boolean installed;

  private AvroTrust() {}

  /** Trusts the project package in this JVM; idempotent. */
  public static synchronized void ensure() {
    String current = System.getProperty(PROPERTY);
    if (current == null || current.isBlank()) {
      System.setProperty(PROPERTY, PROJECT_PACKAGE);
    } else if (!containsProjectPackage(current)) {
      System.setProperty(PROPERTY, current + "," + PROJECT_PACKAGE);
    }
    if (!installed) {
      ClassSecurityValidator.setGlobal(
          ClassSecurityValidator.composite(
              ClassSecurityValidator.getGlobal(), AvroTrust::isProjectClass));
      installed = true;
    }
  }

  /** Whether {@code type} belongs to the project (and so is trusted). */
  static boolean isProjectClass(Class<?> type) {
    return type.getName().startsWith(PROJECT_PACKAGE + ".");
  }

  private static boolean containsProjectPackage(String packages) {
    for (String p : packages.split(",")) {
      String trimmed = p.trim();
      // A package covers its sub-packages; "io" must not match by a bare string prefix of "iox".
      if (trimmed.equals("*")
          || trimmed.equals(PROJECT_PACKAGE)
          || (!trimmed.isEmpty() && PROJECT_PACKAGE.startsWith(trimmed + "."))) {
        return true;
      }
    }
    return false;
  }
}
