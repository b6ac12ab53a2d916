package io.darestream.app.stats;

import io.darestream.app.replay.ReplayResult;
import io.darestream.model.metrics.RetrievalNdcg;
import java.nio.file.Path;
import java.util.List;

/**
 * What a local run did, printed at its end and shown in its report.
 *
 * @param wallSeconds from start-up to the end of training
 * @param dataset what was replayed
 * @param resumed events the topic already held from the earlier run this one resumed (0 if none)
 * @param replay exact counts of this run's replay (after the resumed events)
 * @param accepted events the job accepted, each counted once across restarts
 * @param deadLettered records in the dead-letter topic (committed), read from the topic
 * @param samples training samples produced
 * @param coldClicks clicks that made no sample (their item was new to the model, see {@code
 *     RunStats#coldClicks}): what honest labels cost
 * @param variants per trained variant
 * @param freshness serving's freshness distribution
 * @param reportDir where the report is
 */
public record LocalSummary(
    double wallSeconds,
    String dataset,
    long resumed,
    ReplayResult replay,
    long accepted,
    long deadLettered,
    long samples,
    long coldClicks,
    List<VariantSummary> variants,
    Freshness freshness,
    Path reportDir) {

  /**
   * One trained variant at the end.
   *
   * @param trained samples trained, each counted once across restarts
   * @param scored of those, the prequential scores this process saw, which the AUCs are computed
   *     from (fewer than {@code trained} in a resumed run)
   * @param retrieval NDCG@K of the search against the stream's planted truth over the clicks
   *     probed, or null when the stream has none
   */
  public record VariantSummary(
      String name,
      long trained,
      long scored,
      double overallAuc,
      double windowAuc,
      long modelVersion,
      RetrievalNdcg retrieval) {}
}
