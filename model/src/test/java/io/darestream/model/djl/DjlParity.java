package io.darestream.model.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Samples;
import io.darestream.model.Variant;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the DJL tests share: the check that PyTorch loads, the small model they compare on, and the
 * float tolerance between the Java engine and DJL (both compute in float; sums run in different
 * orders).
 */
final class DjlParity {
  private static final double ABSOLUTE = 2e-6;
  private static final double RELATIVE = 2e-4;

  private DjlParity() {}

  /** A test run once per case of {@link #variants()}: (variant, d_att, d_repr, auxiliary loss). */
  @Target(ElementType.METHOD)
  @Retention(RetentionPolicy.RUNTIME)
  @ParameterizedTest(name = "{0}, aux={3}")
  @MethodSource("io.darestream.model.djl.DjlParity#variants")
  @interface EachVariant {}

  /** Skips the calling test class, saying why, only if DJL's PyTorch library cannot load. */
  static void assumePytorchLoads(String whatCannotRun) {
    // One thread, read when the engine starts: PyTorch's parallel sums may then not change their
    // order from run to run, which near a tie in the top K can flip a pick (CI failed once on a
    // parity case that 9 reruns passed).
    System.setProperty("ai.djl.pytorch.num_threads", "1");
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    String failure = null;
    try {
      Engine.getEngine("PyTorch");
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      failure = e.toString();
    }
    assumeTrue(
        failure == null,
        "DJL's PyTorch native library cannot be loaded here, so "
            + whatCannotRun
            + " cannot run: "
            + failure);
  }

  /**
   * The cases both engines are compared on: each variant with and without the auxiliary loss, with
   * its attention and representation dims per field (TWIN: one shared set).
   */
  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of(Variant.DARE, 3, 4, false),
        Arguments.of(Variant.DARE, 3, 4, true),
        Arguments.of(Variant.TWIN, 4, 4, false),
        Arguments.of(Variant.TWIN, 4, 4, true),
        Arguments.of(Variant.TWIN_PROJ, 2, 3, false),
        Arguments.of(Variant.TWIN_PROJ, 2, 3, true));
  }

  /** A model small enough to compare coordinate by coordinate, rows large enough to matter. */
  static DareConfig config(
      Variant variant, int att, int repr, boolean aux, int maxHistory, int microBatch) {
    return DareConfig.builder()
        .variant(variant)
        .attentionDim(att)
        .representationDim(repr)
        .topK(3)
        .maxHistory(maxHistory)
        .hiddenSizes(6, 4)
        .microBatchSize(microBatch)
        .initStd(0.5f)
        .auxiliaryLoss(aux)
        .auxiliaryLossWeight(0.5f)
        // The model both engines had before the search's own terms (their own cases add them).
        .attentionInitStd(1f)
        .searchLogitWeight(0f)
        .exactMatch(false)
        .cooccurrenceLossWeight(0f)
        .seed(7)
        .build();
  }

  /**
   * A model of {@code config} trained three steps on random batches first, so that the MLP, PReLU
   * slopes and projections are off their init.
   */
  static DareModel trainedModel(DareConfig config, int batch, int items, int history, long seed) {
    DareModel model = DareModel.create(config);
    for (int step = 0; step < 3; step++) {
      model.trainer().trainStep(Samples.random(batch, items, history, seed + step));
    }
    return model;
  }

  static Offset<Double> within(double value) {
    return Offset.offset(ABSOLUTE + RELATIVE * Math.abs(value));
  }

  /**
   * Asserts every coordinate agrees within the tolerance, relative to the block's largest value;
   * returns how many it compared.
   */
  static int assertClose(String what, float[] expected, float[] actual) {
    assertThat(actual).as("%s length", what).hasSameSizeAs(expected);
    double scale = 0;
    for (float f : expected) {
      scale = Math.max(scale, Math.abs(f));
    }
    for (int i = 0; i < expected.length; i++) {
      double tol = ABSOLUTE + RELATIVE * Math.max(Math.abs(expected[i]), scale);
      assertThat((double) actual[i])
          .as("%s[%d] (Java %s, DJL %s)", what, i, expected[i], actual[i])
          .isCloseTo(expected[i], Offset.offset(tol));
    }
    return expected.length;
  }
}
