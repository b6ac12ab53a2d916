package io.darestream.app.report;

import io.darestream.app.stats.AucOverTime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Draws the AUC-over-stream-time series of several local runs in one chart, with the report's own
 * chart code: each labelled group (e.g. one trainer parallelism) is the mean, per event-time
 * bucket, of its runs' {@code auc-over-time.csv} (e.g. one run per seed).
 *
 * <p>{@code java -cp dare-stream.jar io.darestream.app.report.AucComparison OUT.png TITLE
 * LABEL=run1.csv,run2.csv ...}
 */
public final class AucComparison {
  private AucComparison() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      throw new IllegalArgumentException(
          "usage: AucComparison OUT.png TITLE LABEL=run1.csv[,run2.csv...] ...");
    }
    Map<String, List<AucOverTime.Point>> series = new LinkedHashMap<>();
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].lastIndexOf('='); // a label may hold '=' ("N = 2"), a path may not
      if (eq <= 0 || eq == args[i].length() - 1) {
        throw new IllegalArgumentException("expected LABEL=file.csv[,...], got " + args[i]);
      }
      List<List<AucOverTime.Point>> runs = new ArrayList<>();
      for (String file : args[i].substring(eq + 1).split(",")) {
        Map<String, List<AucOverTime.Point>> run = AucSeriesFile.read(Path.of(file));
        if (run.size() != 1) {
          throw new IOException(file + ": expected one variant's series, got " + run.keySet());
        }
        runs.add(run.values().iterator().next());
      }
      series.put(args[i].substring(0, eq), meanPerBucket(runs));
    }
    System.setProperty("java.awt.headless", "true");
    ReportWriter.save(ReportWriter.aucChart(series, args[1]), Path.of(args[0]));
  }

  /**
   * The mean AUC of the buckets that every run has (runs of one dataset share the bucket grid when
   * their event times span the same range; a bucket missing in one run is left out).
   */
  static List<AucOverTime.Point> meanPerBucket(List<List<AucOverTime.Point>> runs) {
    TreeMap<Long, double[]> sums = new TreeMap<>();
    for (List<AucOverTime.Point> run : runs) {
      for (AucOverTime.Point p : run) {
        double[] s = sums.computeIfAbsent(p.eventTimeMs(), k -> new double[3]);
        s[0] += p.auc();
        s[1] += p.samples();
        s[2]++;
      }
    }
    List<AucOverTime.Point> mean = new ArrayList<>();
    sums.forEach(
        (t, s) -> {
          if (s[2] == runs.size()) {
            mean.add(new AucOverTime.Point(t, s[0] / s[2], Math.round(s[1] / s[2])));
          }
        });
    return mean;
  }
}
