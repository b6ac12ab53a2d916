package io.darestream.app.report;

import io.darestream.app.stats.LocalSummary;
import io.darestream.app.stats.RetrievalOverTime;
import io.darestream.app.stats.VariantStats;
import io.darestream.model.metrics.RetrievalNdcg;
import java.awt.BasicStroke;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.time.Millisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;

/**
 * The report's retrieval-quality part, present only when the stream has planted ground truth: a
 * plot of each variant's NDCG@K over stream time with the random-pick baseline dashed beside it,
 * and its section of the HTML page. A run without ground truth gets neither (absent, not zero).
 */
final class RetrievalReport {
  static final String RETRIEVAL_PNG = "retrieval-over-time.png";

  /** Fewer measured clicks than this in an event-time bucket make its NDCG too noisy to plot. */
  private static final long MIN_BUCKET_QUERIES = 20;

  private RetrievalReport() {}

  /** Whether any variant measured its retrieval (the stream has ground truth). */
  static boolean present(List<VariantStats> variants) {
    return variants.stream().anyMatch(v -> v.retrievalOrNull() != null);
  }

  static JFreeChart chart(List<VariantStats> variants) {
    TimeSeriesCollection data = new TimeSeriesCollection();
    for (VariantStats v : variants) {
      RetrievalOverTime r = v.retrievalOrNull();
      if (r == null) {
        continue;
      }
      String name = v.name().toUpperCase(Locale.ROOT);
      TimeSeries ndcg = new TimeSeries(name + " NDCG@" + r.k());
      TimeSeries random = new TimeSeries(name + " random picks");
      for (RetrievalOverTime.Point p : r.points(MIN_BUCKET_QUERIES)) {
        Millisecond t = new Millisecond(new java.util.Date(p.eventTimeMs()));
        ndcg.addOrUpdate(t, p.ndcg());
        random.addOrUpdate(t, p.randomNdcg());
      }
      data.addSeries(ndcg);
      data.addSeries(random);
    }
    JFreeChart chart =
        ChartFactory.createTimeSeriesChart(
            "Retrieval NDCG against the planted topics (each click measured before training)",
            "event time (UTC)",
            "NDCG",
            data,
            true,
            false,
            false);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      boolean baseline = i % 2 == 1;
      r.setSeriesStroke(
          i,
          baseline
              ? new BasicStroke(
                  1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f}, 0f)
              : new BasicStroke(2f));
      r.setSeriesShapesVisible(i, !baseline);
    }
    plot.setRenderer(r);
    ReportWriter.styled(plot);
    return chart;
  }

  /** The HTML section (table and plot), or "" when no variant has retrieval figures. */
  static String html(LocalSummary s) {
    if (s.variants().stream().allMatch(v -> v.retrieval() == null)) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    b.append("<h2>Retrieval quality over stream time</h2>\n")
        .append("<p>NDCG of the behaviours each variant's search picks for a clicked target,")
        .append(" against the topics planted in the generated stream, with the expected NDCG of")
        .append(" random picks; a sample of the clicks, each measured before the model trains on")
        .append(" it.</p>\n")
        .append("<table><tr><th>variant</th><th>NDCG</th><th>random picks</th>")
        .append("<th>NDCG / random</th><th>clicks measured</th></tr>\n");
    for (LocalSummary.VariantSummary v : s.variants()) {
      RetrievalNdcg n = v.retrieval();
      if (n == null) {
        continue;
      }
      b.append(
          String.format(
              Locale.ROOT,
              "<tr><td>%s</td><td>%.4f</td><td>%.4f</td><td>%.2f</td><td>%,d</td></tr>%n",
              HtmlPage.esc(v.name().toUpperCase(Locale.ROOT)),
              n.ndcg(),
              n.randomNdcg(),
              n.ndcg() / n.randomNdcg(),
              n.queries()));
    }
    b.append("</table>\n<img src=\"")
        .append(RETRIEVAL_PNG)
        .append("\" alt=\"retrieval NDCG over event time per variant\">\n");
    return b.toString();
  }
}
