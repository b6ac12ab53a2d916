package io.darestream.app.report;

import io.darestream.app.stats.AucOverTime;
import io.darestream.app.stats.Freshness;
import io.darestream.app.stats.LocalSummary;
import io.darestream.app.stats.RunStats;
import io.darestream.app.stats.VariantStats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.time.Millisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Writes the report of a local run: three PNG plots (prequential AUC over stream time per variant,
 * serving's freshness distribution, throughput over wall-clock time) and an {@code index.html} that
 * shows them with the run's settings and summary.
 */
public final class ReportWriter {
  static final String AUC_PNG = "auc-over-time.png";
  static final String FRESHNESS_PNG = "freshness.png";
  static final String THROUGHPUT_PNG = "throughput.png";
  static final String AUC_CSV = "auc-over-time.csv";
  private static final int WIDTH = 900;
  private static final int HEIGHT = 450;

  /** Fewer samples than this in an event-time bucket make its AUC too noisy to plot. */
  private static final long MIN_BUCKET_SAMPLES = 200;

  private ReportWriter() {}

  /** Writes the report into {@code summary.reportDir()}; returns the HTML page. */
  public static Path write(LocalSummary summary, RunStats stats, Map<String, String> settings) {
    // Charts are drawn off-screen; no display is needed (or present on servers).
    System.setProperty("java.awt.headless", "true");
    Path dir = summary.reportDir();
    try {
      Files.createDirectories(dir);
      Map<String, List<AucOverTime.Point>> auc = aucSeries(stats.variants());
      save(aucChart(auc, AUC_TITLE), dir.resolve(AUC_PNG));
      AucSeriesFile.write(auc, dir.resolve(AUC_CSV));
      if (RetrievalReport.present(stats.variants())) {
        save(RetrievalReport.chart(stats.variants()), dir.resolve(RetrievalReport.RETRIEVAL_PNG));
      }
      save(freshnessChart(summary.freshness()), dir.resolve(FRESHNESS_PNG));
      save(throughputChart(stats.timeline()), dir.resolve(THROUGHPUT_PNG));
      Path html = dir.resolve("index.html");
      Path tmp = dir.resolve("index.html.tmp");
      Files.writeString(tmp, HtmlPage.render(summary, settings), StandardCharsets.UTF_8);
      Files.move(tmp, html, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return html;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the report to " + dir + ": " + e, e);
    }
  }

  static void save(JFreeChart chart, Path file) throws IOException {
    chart.setBackgroundPaint(Color.WHITE);
    File f = file.toFile();
    ChartUtils.saveChartAsPNG(f, chart, WIDTH, HEIGHT);
  }

  private static Map<String, List<AucOverTime.Point>> aucSeries(List<VariantStats> variants) {
    Map<String, List<AucOverTime.Point>> series = new LinkedHashMap<>();
    for (VariantStats v : variants) {
      series.put(v.name().toUpperCase(Locale.ROOT), v.overTime().points(MIN_BUCKET_SAMPLES));
    }
    return series;
  }

  static final String AUC_TITLE =
      "Prequential AUC over stream time (each sample scored before training)";

  /** The AUC-over-stream-time chart of one or more named series (the report's, or a comparison). */
  static JFreeChart aucChart(Map<String, List<AucOverTime.Point>> series, String title) {
    TimeSeriesCollection data = new TimeSeriesCollection();
    for (Map.Entry<String, List<AucOverTime.Point>> e : series.entrySet()) {
      TimeSeries s = new TimeSeries(e.getKey());
      for (AucOverTime.Point p : e.getValue()) {
        s.addOrUpdate(new Millisecond(new java.util.Date(p.eventTimeMs())), p.auc());
      }
      data.addSeries(s);
    }
    JFreeChart chart =
        ChartFactory.createTimeSeriesChart(
            title, "event time (UTC)", "AUC", data, true, false, false);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(r);
    ValueMarker chance = new ValueMarker(0.5, Color.GRAY, new BasicStroke(1f));
    chance.setLabel("chance");
    chance.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
    chance.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
    plot.addRangeMarker(chance);
    styled(plot);
    return chart;
  }

  static JFreeChart freshnessChart(Freshness f) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    List<Freshness.Bucket> buckets = f.buckets();
    int first = -1;
    int last = -1;
    for (int i = 0; i < buckets.size(); i++) {
      if (buckets.get(i).count() > 0) {
        first = first < 0 ? i : first;
        last = i;
      }
    }
    for (int i = Math.max(0, first); i <= last; i++) {
      Freshness.Bucket b = buckets.get(i);
      data.addValue(b.count(), "deltas", String.format(Locale.ROOT, "<=%,.0f", b.upperMs()));
    }
    String title =
        f.count() == 0
            ? "Freshness at serving: no deltas applied"
            : String.format(
                Locale.ROOT,
                "Freshness at serving (event ingested -> delta applied): %,d deltas, p50 <= %,.0f"
                    + " ms, p99 <= %,.0f ms",
                f.count(),
                f.p50Ms(),
                f.p99Ms());
    JFreeChart chart =
        ChartFactory.createBarChart(
            title,
            "freshness bucket (ms)",
            "deltas applied",
            data,
            PlotOrientation.VERTICAL,
            false,
            false,
            false);
    chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(13f));
    chart.getCategoryPlot().setBackgroundPaint(Color.WHITE);
    chart.getCategoryPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
    chart
        .getCategoryPlot()
        .getDomainAxis()
        .setCategoryLabelPositions(org.jfree.chart.axis.CategoryLabelPositions.UP_45);
    return chart;
  }

  static JFreeChart throughputChart(List<RunStats.Sample> timeline) {
    XYSeries replayed = new XYSeries("events replayed /s");
    XYSeries accepted = new XYSeries("events ingested by the job /s");
    XYSeries trained = new XYSeries("samples trained /s");
    for (int i = 1; i < timeline.size(); i++) {
      RunStats.Sample a = timeline.get(i - 1);
      RunStats.Sample b = timeline.get(i);
      double dt = b.seconds() - a.seconds();
      if (dt <= 0) {
        continue;
      }
      replayed.add(b.seconds(), (b.replayed() - a.replayed()) / dt);
      accepted.add(b.seconds(), (b.accepted() - a.accepted()) / dt);
      trained.add(b.seconds(), (b.trained() - a.trained()) / dt);
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(replayed);
    data.addSeries(accepted);
    data.addSeries(trained);
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "Throughput over time",
            "seconds since start",
            "per second",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(r);
    styled(plot);
    return chart;
  }

  static void styled(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
  }
}
