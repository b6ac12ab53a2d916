package io.darestream.app.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Plots the CSV of {@code io.darestream.jobs.bench.ExpirySoak} (stream-jobs' jmh source set) as one
 * PNG of five panels over minutes since the start: live item rows, heap after GC, disk per
 * directory, open file descriptors, and the training rate between samples. It lives here because
 * the app module already has JFreeChart and stream-jobs (the job jar) should not.
 *
 * <pre>
 * mvn -B -o -q -pl app -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/app-cp.txt -Dmdep.includeScope=test
 * CP=app/target/test-classes:$(cat /tmp/app-cp.txt)
 * java -cp $CP io.darestream.app.bench.SoakPlot /tmp/soak-run/soak.csv docs/soak/expiry-soak.png
 * </pre>
 */
public final class SoakPlot {
  /** Larger than a week of one-second samples; a bigger file is not this harness's CSV. */
  private static final long MAX_CSV_BYTES = 64L << 20;

  private static final double MB = 1e6;

  /** Distinct on white, in the order of a panel's series (the defaults include pale yellow). */
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)
  };

  private SoakPlot() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: SoakPlot <soak.csv> <out.png>");
    }
    System.setProperty("java.awt.headless", "true");
    Table t = Table.read(Path.of(args[0]));
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("minutes since start"));
    plot.setGap(12);
    plot.add(
        panel(
            "live rows",
            series(t, "live item rows (att + repr)", r -> r.get("rows_item_total")),
            series(t, "pending admission", r -> r.get("pending_admission"))));
    plot.add(
        panel(
            "heap MB",
            series(t, "used after System.gc()", r -> r.get("heap_used_after_gc_bytes") / MB),
            series(t, "committed", r -> r.get("heap_committed_bytes") / MB)));
    plot.add(
        panel(
            "disk MB",
            series(t, "store", r -> r.get("store_bytes") / MB),
            series(t, "export", r -> r.get("export_bytes") / MB),
            series(t, "snapshots", r -> r.get("snapshots_bytes") / MB)));
    plot.add(panel("open files", series(t, "/proc/self/fd entries", r -> r.get("open_fds"))));
    plot.add(panel("samples/s", rate(t)));
    JFreeChart chart = new JFreeChart("Expiry soak: " + t.source().getFileName(), plot);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(14f));
    Path out = Path.of(args[1]);
    ChartUtils.saveChartAsPNG(out.toFile(), chart, 900, 1100);
    System.out.printf(
        "%d rows of %s -> %s (%d bytes)%n", t.rows().size(), t.source(), out, Files.size(out));
  }

  private static XYPlot panel(String label, XYSeries... series) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (XYSeries s : series) {
      data.addSeries(s);
    }
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < series.length; i++) {
      r.setSeriesPaint(i, COLORS[i % COLORS.length]);
      // Dashed after the first, so a series lying on another (export on store) stays visible.
      r.setSeriesStroke(
          i,
          i == 0
              ? new BasicStroke(2f)
              : new BasicStroke(
                  2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    }
    NumberAxis y = new NumberAxis(label);
    y.setAutoRangeIncludesZero(true);
    XYPlot plot = new XYPlot(data, null, y, r);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    return plot;
  }

  private static XYSeries series(Table t, String name, ToDoubleFunction<Map<String, Long>> f) {
    XYSeries s = new XYSeries(name);
    for (Map<String, Long> row : t.rows()) {
      s.add(row.get("t_s") / 60.0, f.applyAsDouble(row));
    }
    return s;
  }

  private static XYSeries rate(Table t) {
    XYSeries s = new XYSeries("trained between samples");
    List<Map<String, Long>> rows = t.rows();
    for (int i = 1; i < rows.size(); i++) {
      long dt = rows.get(i).get("t_s") - rows.get(i - 1).get("t_s");
      if (dt > 0) {
        long dn = rows.get(i).get("samples") - rows.get(i - 1).get("samples");
        s.add(rows.get(i).get("t_s") / 60.0, (double) dn / dt);
      }
    }
    return s;
  }

  /** The CSV, every row checked against the header and every cell a number. */
  record Table(Path source, List<Map<String, Long>> rows) {
    private static final List<String> REQUIRED =
        List.of(
            "t_s",
            "samples",
            "rows_item_total",
            "pending_admission",
            "heap_used_after_gc_bytes",
            "heap_committed_bytes",
            "store_bytes",
            "export_bytes",
            "snapshots_bytes",
            "open_fds");

    static Table read(Path csv) throws IOException {
      long size = Files.size(csv);
      if (size > MAX_CSV_BYTES) {
        throw new IOException(csv + " has " + size + " bytes, more than " + MAX_CSV_BYTES);
      }
      List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
      if (lines.isEmpty()) {
        throw new IOException(csv + " is empty");
      }
      List<String> header = Arrays.asList(lines.get(0).split(",", -1));
      for (String column : REQUIRED) {
        if (!header.contains(column)) {
          throw new IOException(csv + " lacks column " + column + "; header: " + header);
        }
      }
      List<Map<String, Long>> rows = new ArrayList<>();
      for (int i = 1; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.isBlank()) {
          continue;
        }
        String[] cells = line.split(",", -1);
        if (cells.length != header.size()) {
          throw new IOException(
              csv
                  + " line "
                  + (i + 1)
                  + ": "
                  + cells.length
                  + " cells, header has "
                  + header.size());
        }
        Map<String, Long> row = new HashMap<>();
        for (int c = 0; c < cells.length; c++) {
          try {
            row.put(header.get(c), Long.parseLong(cells[c].trim()));
          } catch (NumberFormatException e) {
            throw new IOException(
                csv
                    + " line "
                    + (i + 1)
                    + ", column "
                    + header.get(c)
                    + ": not a number: "
                    + cells[c],
                e);
          }
        }
        rows.add(row);
      }
      if (rows.size() < 2) {
        throw new IOException(csv + " has " + rows.size() + " data rows; a plot needs two");
      }
      return new Table(csv, rows);
    }
  }
}
