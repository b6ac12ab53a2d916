package io.darestream.app.local;

import io.darestream.app.replay.Units;
import io.darestream.app.stats.Freshness;
import io.darestream.app.stats.LocalSummary;
import io.darestream.app.stats.RetrievalOverTime;
import io.darestream.app.stats.RunStats;
import io.darestream.app.stats.VariantStats;
import io.darestream.model.metrics.RetrievalNdcg;
import java.util.Locale;

/** The texts a local run prints: the live status line and the closing summary. */
public final class StatusText {
  private StatusText() {}

  /**
   * The live line, e.g. {@code [1m05s] replayed 120k/250k 8.1k/s | job 110k | samples 30k | dare
   * 29.8k AUC 0.712 v118 | twin 29.8k AUC 0.690 v118 | fresh 850ms | ETA 40s}.
   *
   * @param total events to replay, or -1 if unknown
   * @param replayRate events replayed per second recently
   * @param jobRate events accepted by the job per second recently
   * @param freshnessMs serving's freshness lag of its last delta, or -1
   */
  static String live(
      RunStats stats,
      double elapsedSeconds,
      long total,
      double replayRate,
      double jobRate,
      long freshnessMs) {
    StringBuilder b = new StringBuilder();
    b.append('[').append(Units.duration(elapsedSeconds)).append("] replayed ");
    b.append(Units.count(stats.replayed()));
    if (total > 0) {
      b.append('/').append(Units.count(total));
    }
    b.append(' ').append(Units.count(replayRate)).append("/s");
    b.append(" | job ").append(Units.count(stats.accepted())).append(" ev ");
    b.append(Units.count(jobRate)).append("/s");
    b.append(" | samples ").append(Units.count(stats.samples()));
    for (VariantStats v : stats.variants()) {
      double auc = v.windowAuc();
      b.append(" | ")
          .append(v.name())
          .append(' ')
          .append(Units.count(v.samples()))
          .append(" AUC ")
          .append(Double.isNaN(auc) ? "-" : String.format(Locale.ROOT, "%.3f", auc));
      appendRetrieval(b, v.retrievalOrNull());
      b.append(" v").append(v.modelVersion());
    }
    b.append(" | fresh ").append(freshnessMs < 0 ? "-" : freshnessMs + "ms");
    if (total > 0) {
      double eta = Units.eta(total - stats.accepted(), jobRate);
      b.append(" | ETA ").append(Units.duration(eta));
    }
    return b.toString();
  }

  /** " NDCG 0.412 (rnd 0.154)": the retrieval quality so far, nothing without ground truth. */
  private static void appendRetrieval(StringBuilder b, RetrievalOverTime retrieval) {
    if (retrieval == null) {
      return;
    }
    RetrievalNdcg n = retrieval.overall();
    b.append(" NDCG ")
        .append(
            n.queries() == 0
                ? "-"
                : String.format(Locale.ROOT, "%.3f (rnd %.3f)", n.ndcg(), n.randomNdcg()));
  }

  /** "0.7152", or "-" when nothing was scored (or one label only). */
  static String auc(double auc) {
    return Double.isNaN(auc) ? "-" : String.format(Locale.ROOT, "%.4f", auc);
  }

  /** Skipped input lines the summary shows with their reason. */
  static final int SKIP_LINES_SHOWN = 3;

  /** The closing summary of a run as printed, several lines. */
  public static String summary(LocalSummary s) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%n== dare-stream local: done in %s ==%n", dur(s)));
    b.append(String.format(Locale.ROOT, "dataset:  %s%n", s.dataset()));
    if (s.resumed() > 0) {
      b.append(
          String.format(
              Locale.ROOT,
              "resumed:  %,d events already in Kafka from the earlier run, not sent again%n",
              s.resumed()));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "replay:   %,d events sent, %,d acknowledged, %,d malformed line%s skipped (%s/s)%n",
            s.replay().sent(),
            s.replay().acknowledged(),
            s.replay().skipped(),
            s.replay().skipped() == 1 ? "" : "s",
            Units.count(s.replay().eventsPerSecond())));
    for (String skip : s.replay().skipLines(SKIP_LINES_SHOWN)) {
      b.append(String.format(Locale.ROOT, "          %s%n", skip));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "job:      %,d events accepted, %,d dead-lettered, %,d training samples,"
                + " %,d cold clicks (no sample: the item was new to the model)%n",
            s.accepted(),
            s.deadLettered(),
            s.samples(),
            s.coldClicks()));
    for (LocalSummary.VariantSummary v : s.variants()) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-9s %,d samples trained, prequential AUC %s overall%s, %s last %,d;"
                  + " model version %d%n",
              v.name() + ":",
              v.trained(),
              auc(v.overallAuc()),
              v.scored() < v.trained()
                  ? String.format(Locale.ROOT, " (the %,d scored since the resume)", v.scored())
                  : "",
              auc(v.windowAuc()),
              VariantStats.WINDOW,
              v.modelVersion()));
      if (v.retrieval() != null) {
        b.append(retrievalLine(v));
      }
    }
    Freshness f = s.freshness();
    b.append(
        f.count() == 0
            ? String.format(Locale.ROOT, "serving:  no deltas applied%n")
            : String.format(
                Locale.ROOT,
                "serving:  %,d deltas applied, freshness p50 <= %.0f ms, p99 <= %.0f ms%n",
                f.count(),
                f.p50Ms(),
                f.p99Ms()));
    b.append(
        String.format(
            Locale.ROOT, "report:   %s%n", s.reportDir().resolve("index.html").toAbsolutePath()));
    return b.toString();
  }

  /** The summary's retrieval line of a variant measured against the planted truth. */
  private static String retrievalLine(LocalSummary.VariantSummary v) {
    RetrievalNdcg n = v.retrieval();
    if (n.queries() == 0) {
      return String.format(Locale.ROOT, "%-9s retrieval: no click measured yet%n", v.name() + ":");
    }
    return String.format(
        Locale.ROOT,
        "%-9s retrieval NDCG@%d %.4f against the planted topics (random picks %.4f, %.2fx),"
            + " %,d clicks measured before training on them%n",
        v.name() + ":",
        n.k(),
        n.ndcg(),
        n.randomNdcg(),
        n.ndcg() / n.randomNdcg(),
        n.queries());
  }

  private static String dur(LocalSummary s) {
    return Units.duration(s.wallSeconds());
  }
}
