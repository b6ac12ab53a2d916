package io.darestream.model;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses between the Vector API implementation of a kernel and its scalar fallback, once per
 * kernel at class initialisation. The Vector API ({@code jdk.incubator.vector} in Java 17) is used
 * when the JVM runs with {@code --add-modules jdk.incubator.vector} and {@code -Ddare.vector} is
 * not {@code false}. Every kernel pair computes the same bits, so the choice changes speed only.
 */
public final class VectorKernels {
  private static final Logger LOG = LoggerFactory.getLogger(VectorKernels.class);
  private static final String MODULE = "jdk.incubator.vector";
  private static final boolean ENABLED = decide();

  private VectorKernels() {}

  /** Whether this JVM runs the Vector API kernels. */
  public static boolean enabled() {
    return ENABLED;
  }

  /**
   * A new instance of {@code vectorClass} (a class of the same module with a no-argument
   * constructor) when the Vector API is enabled and the class loads, else {@code fallback}'s.
   */
  public static <T> T choose(String vectorClass, Class<T> type, Supplier<T> fallback) {
    if (!ENABLED) {
      return fallback.get();
    }
    try {
      var constructor = Class.forName(vectorClass).asSubclass(type).getDeclaredConstructor();
      constructor.setAccessible(true);
      return constructor.newInstance();
    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
      LOG.warn("{}: scalar fallback, the Vector API kernel did not load", vectorClass, e);
      return fallback.get();
    }
  }

  private static boolean decide() {
    if (!Boolean.parseBoolean(System.getProperty("dare.vector", "true"))) {
      LOG.info("Vector API kernels off (dare.vector=false): scalar kernels, same results");
      return false;
    }
    if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
      LOG.warn(
          "Vector API kernels off: the dense and search kernels run scalar, about 2x slower;"
              + " start the JVM with --add-modules {} (same results either way)",
          MODULE);
      return false;
    }
    return true;
  }
}
