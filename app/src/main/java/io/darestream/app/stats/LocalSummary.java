package io.darestream.app.stats;

import io.darestream.app.replay.ReplayResult;
import java.nio.file.Path;
import java.util.List;

/**
 * What a local run did, printed at its end and shown in its report.
 *
 * @param wallSeconds from start-up to the end of training
 * @param dataset what was replayed
 * @param replay exact replay counts
 * @param accepted events the job accepted (the rest went to the dead-letter topic)
 * @param samples training samples produced
 * @param variants per trained variant
 * @param freshness serving's freshness distribution
 * @param reportDir where the report is
 */
public record LocalSummary(
    double wallSeconds,
    String dataset,
    ReplayResult replay,
    long accepted,
    long samples,
    List<VariantSummary> variants,
    Freshness freshness,
    Path reportDir) {

  /** One trained variant at the end. */
  public record VariantSummary(
      String name, long trained, double overallAuc, double windowAuc, long modelVersion) {}
}
