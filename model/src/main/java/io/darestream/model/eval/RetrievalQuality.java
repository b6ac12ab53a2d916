package io.darestream.model.eval;

import io.darestream.model.DareModel;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.MutualInformationTruth;
import io.darestream.model.metrics.RetrievalNdcg;
import io.darestream.schemas.generator.GroundTruth;
import java.util.ArrayList;
import java.util.List;

/**
 * Retrieval quality of a model's search on a set of samples: NDCG@K of the behaviours it picks
 * against the mutual-information ground truth (every sample whose target category has one) and, on
 * generated data, against the planted truth (clicked targets only: relevance is defined for a
 * click), each with its random-pick baseline ({@link RetrievalNdcg}).
 */
public final class RetrievalQuality {
  private RetrievalQuality() {}

  /** NDCG@K against MI (and planted when {@code planted} is not null), with baselines. */
  record Result(RetrievalNdcg mutualInformation, RetrievalNdcg planted) {}

  /** Builds the MI ground truth from {@code samples}' co-occurrence counts. */
  static MutualInformationTruth truthOf(List<TrainingSample> samples, int minTargetSamples) {
    MutualInformationTruth truth = new MutualInformationTruth(minTargetSamples);
    for (TrainingSample s : samples) {
      truth.observe(s.targetCategory(), s.label(), s.historyCategories(), s.historyLength());
    }
    return truth;
  }

  /** Builds the MI ground truth from all of {@code split}'s samples: train, validation and test. */
  static MutualInformationTruth truthOf(ProtocolSplit split, int minTargetSamples) {
    List<TrainingSample> all = new ArrayList<>(split.train());
    all.addAll(split.validation());
    all.addAll(split.test());
    return truthOf(all, minTargetSamples);
  }

  static Result measure(
      DareModel model,
      List<TrainingSample> samples,
      MutualInformationTruth mi,
      GroundTruth planted) {
    int k = model.config().topK();
    RetrievalNdcg miNdcg = new RetrievalNdcg(k);
    RetrievalNdcg plantedNdcg = planted == null ? null : new RetrievalNdcg(k);
    measure(model, samples, mi, miNdcg, planted, plantedNdcg);
    return new Result(miNdcg, plantedNdcg);
  }

  /**
   * Adds {@code samples}' queries to the accumulators ({@code mi} and {@code planted} nullable).
   */
  static void measure(
      DareModel model,
      List<TrainingSample> samples,
      MutualInformationTruth mi,
      RetrievalNdcg miNdcg,
      GroundTruth planted,
      RetrievalNdcg plantedNdcg) {
    int k = model.config().topK();
    int maxL = model.config().maxHistory();
    double[] gains = new double[maxL];
    int[] picks = new int[k];
    for (TrainingSample s : samples) {
      int n = Math.min(s.historyLength(), maxL);
      boolean hasMi = mi != null && mi.gains(s.targetCategory(), s.historyCategories(), n, gains);
      boolean hasPlanted = planted != null && s.label() == 1;
      if (!hasMi && !hasPlanted) {
        continue;
      }
      int m = picks(model, s, picks);
      if (hasMi) {
        miNdcg.add(gains, n, picks, m);
      }
      if (hasPlanted) {
        plantedGains(planted, s, n, gains);
        plantedNdcg.add(gains, n, picks, m);
      }
    }
  }

  /**
   * Adds one sample's query against the planted truth to {@code ndcg}: NDCG@K of the behaviours the
   * model's search picks for the sample's target now. Only clicks count (relevance is defined for a
   * click); a click with no relevant behaviour is skipped and counted as such by {@code ndcg}.
   *
   * @return the query's NDCG@K; NaN when it is not a click or was skipped
   */
  public static double addPlanted(
      DareModel model, TrainingSample s, GroundTruth planted, RetrievalNdcg ndcg) {
    if (s.label() != 1) {
      return Double.NaN;
    }
    int n = Math.min(s.historyLength(), model.config().maxHistory());
    double[] gains = new double[n];
    int[] picks = new int[model.config().topK()];
    int m = picks(model, s, picks);
    plantedGains(planted, s, n, gains);
    return ndcg.add(gains, n, picks, m);
  }

  /**
   * How much the search picks behaviours by their item's quality rather than by relevance, on the
   * generator (issue 17: does the representation's quality direction flood a shared search table?):
   * over {@code samples}' clicks, the mean of sign(q_target) x (mean quality of the picked
   * behaviours - mean quality of the history), in log-odds. A search that scores {@code <e_t, e_b>}
   * with a strong quality direction in both rows picks good behaviours for good targets and poor
   * ones for poor targets: a positive pull. A search blind to quality: about 0.
   *
   * @return the mean pull; NaN when no click had a history longer than K or a target of quality
   */
  static double qualityPull(DareModel model, List<TrainingSample> samples, GroundTruth planted) {
    int k = model.config().topK();
    int[] picks = new int[k];
    double sum = 0;
    int n = 0;
    for (TrainingSample s : samples) {
      int len = Math.min(s.historyLength(), model.config().maxHistory());
      double qt = planted.qualityOf(s.targetItem());
      if (s.label() != 1 || len <= k || qt == 0) {
        continue;
      }
      int m = picks(model, s, picks);
      double[] history = new double[len];
      for (int i = 0; i < len; i++) {
        history[i] = planted.qualityOf(s.historyItem(i));
      }
      sum += pull(qt, history, picks, m);
      n++;
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /**
   * One query's quality pull: sign({@code targetQuality}) x (mean quality of the {@code m} picked
   * history indices - mean quality of the whole history).
   */
  static double pull(double targetQuality, double[] historyQuality, int[] picks, int m) {
    if (m == 0 || historyQuality.length == 0) {
      return 0;
    }
    double all = 0;
    for (double q : historyQuality) {
      all += q;
    }
    double picked = 0;
    for (int i = 0; i < m; i++) {
      picked += historyQuality[picks[i]];
    }
    return Math.signum(targetQuality) * (picked / m - all / historyQuality.length);
  }

  /** The history indices the search picks for {@code s}'s target, best first; returns how many. */
  private static int picks(DareModel model, TrainingSample s, int[] picks) {
    Explanation ex = model.explain(s);
    int m = 0;
    for (RetrievedBehaviour b : ex.retrieved()) {
      picks[m++] = b.position() - 1;
    }
    return m;
  }

  private static void plantedGains(GroundTruth planted, TrainingSample s, int n, double[] gains) {
    for (int i = 0; i < n; i++) {
      gains[i] = planted.isRelevant(s.userId(), s.historyItem(i), s.targetItem()) ? 1 : 0;
    }
  }
}
