package io.darestream.app.stats;

import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.eval.RetrievalQuality;
import io.darestream.model.metrics.RetrievalNdcg;
import io.darestream.schemas.generator.GroundTruth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A variant's retrieval quality during a local run on a stream with planted ground truth: NDCG@K of
 * the behaviours its search picks for a clicked target against the planted topics, with the
 * random-pick baseline ({@link RetrievalNdcg}), per event-time bucket ({@link EventTimeBuckets})
 * and overall. Each query is measured on the model before it trains on the sample (prequential, as
 * the AUC is).
 */
public final class RetrievalOverTime {
  private final int k;
  private final EventTimeBuckets<RetrievalNdcg> buckets;

  /** One point of the curve: bucket start (event time), NDCG@K, its random baseline, queries. */
  public record Point(long eventTimeMs, double ndcg, double randomNdcg, long queries) {}

  RetrievalOverTime(int k) {
    this.k = k;
    this.buckets = new EventTimeBuckets<>(() -> new RetrievalNdcg(k), RetrievalNdcg::addAll);
  }

  /**
   * Measures {@code model}'s search for the clicked sample {@code s} against {@code truth}. The
   * search runs outside the lock, so trainers measuring in parallel wait only for the addition.
   */
  public void measure(DareModel model, TrainingSample s, GroundTruth truth) {
    if (s.label() != 1) {
      return; // only clicks are queries
    }
    RetrievalNdcg one = new RetrievalNdcg(k);
    RetrievalQuality.addPlanted(model, s, truth, one);
    synchronized (this) {
      buckets.at(s.eventTimeMs()).addAll(one);
    }
  }

  public int k() {
    return k;
  }

  /** Every query so far in one accumulator (a copy). */
  public synchronized RetrievalNdcg overall() {
    RetrievalNdcg all = new RetrievalNdcg(k);
    buckets.byStartMs().values().forEach(all::addAll);
    return all;
  }

  /** Buckets with at least {@code minQueries} queries. */
  public synchronized List<Point> points(long minQueries) {
    List<Point> out = new ArrayList<>();
    for (Map.Entry<Long, RetrievalNdcg> e : buckets.byStartMs().entrySet()) {
      RetrievalNdcg n = e.getValue();
      if (n.queries() >= minQueries && n.queries() > 0) {
        out.add(new Point(e.getKey(), n.ndcg(), n.randomNdcg(), n.queries()));
      }
    }
    return out;
  }
}
