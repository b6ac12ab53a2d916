package io.darestream.schemas.serde;

/**
 * Marks the project's generated Avro classes as trusted. Avro 1.12 refuses to instantiate classes
 * outside its trusted packages ({@code org.apache.avro.SERIALIZABLE_PACKAGES}); every codec calls
 * {@link #ensure()} before creating readers so that no entry point has to remember the JVM flag.
 */
public final class AvroTrust {
  /** System property Avro reads for the trusted packages. */
  public static final String PROPERTY = "org.apache.avro.SERIALIZABLE_PACKAGES";

  /** Package root of the project's generated classes. */
  public static final String PROJECT_PACKAGE = "io.darestream";

  private AvroTrust() {}

  /** Adds the project package to the trusted packages if it is not there already. */
  public static synchronized void ensure() {
    String current = System.getProperty(PROPERTY);
    if (current == null || current.isBlank()) {
      System.setProperty(PROPERTY, PROJECT_PACKAGE);
    } else if (!containsProjectPackage(current)) {
      System.setProperty(PROPERTY, current + "," + PROJECT_PACKAGE);
    }
  }

  private static boolean containsProjectPackage(String packages) {
    for (String p : packages.split(",")) {
      String trimmed = p.trim();
      if (trimmed.equals("*") || PROJECT_PACKAGE.startsWith(trimmed)) {
        return true;
      }
    }
    return false;
  }
}
