package io.darestream.jobs.testing;

import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;

/**
 * Generator settings for a stream without any structure: items uniformly at random (no interest
 * topics, no popularity), and in impression mode a click probability that depends on nothing. No
 * model can rank its samples better than chance: any prequential AUC away from 0.5 is a label bias.
 */
public final class StructurelessStreams {
  /** Share of impressions that get a click. */
  public static final double CLICK_PROBABILITY = 0.3;

  private StructurelessStreams() {}

  /** Removes every planted structure from {@code builder} (sizes and seed stay the caller's). */
  public static GeneratorConfig.Builder makeStructureless(
      GeneratorConfig.Builder builder, GeneratorMode mode) {
    builder
        .optMode(mode)
        .optOnTopic(0, 0)
        .optZipfExponent(0)
        .optBurstFraction(0)
        .optRelevantImpressionShare(0)
        .optClickProbabilities(CLICK_PROBABILITY, CLICK_PROBABILITY);
    return builder;
  }
}
