package io.darestream.app.report;

import io.darestream.app.stats.AucOverTime;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's AUC-over-stream-time series as CSV ({@code variant,bucket_start_ms,auc,samples}), so
 * that runs can be compared after the fact (e.g. trainer parallelism 1, 2 and 4 in one plot).
 */
public final class AucSeriesFile {
  static final String HEADER = "variant,bucket_start_ms,auc,samples";

  /** A report holds at most {@code AucOverTime}'s 64 buckets per variant; this bounds a read. */
  static final int MAX_LINES = 10_000;

  private AucSeriesFile() {}

  /** Writes the series, temp file then rename. */
  static void write(Map<String, List<AucOverTime.Point>> series, Path file) throws IOException {
    StringBuilder csv = new StringBuilder(HEADER).append('\n');
    for (Map.Entry<String, List<AucOverTime.Point>> e : series.entrySet()) {
      for (AucOverTime.Point p : e.getValue()) {
        csv.append(
            String.format(
                Locale.ROOT, "%s,%d,%.6f,%d%n", e.getKey(), p.eventTimeMs(), p.auc(), p.samples()));
      }
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, csv, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads a series written by {@link #write}; a malformed or oversized file is refused. */
  public static Map<String, List<AucOverTime.Point>> read(Path file) throws IOException {
    Map<String, List<AucOverTime.Point>> series = new LinkedHashMap<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (!HEADER.equals(header)) {
        throw new IOException(file + ": expected the header '" + HEADER + "', got " + header);
      }
      String line;
      int n = 1;
      while ((line = in.readLine()) != null) {
        if (++n > MAX_LINES) {
          throw new IOException(file + ": more than " + MAX_LINES + " lines");
        }
        String[] f = line.split(",", -1);
        if (f.length != 4) {
          throw new IOException(file + " line " + n + ": expected 4 fields, got " + line);
        }
        try {
          series
              .computeIfAbsent(f[0], k -> new ArrayList<>())
              .add(
                  new AucOverTime.Point(
                      Long.parseLong(f[1]), Double.parseDouble(f[2]), Long.parseLong(f[3])));
        } catch (NumberFormatException bad) {
          throw new IOException(file + " line " + n + ": " + bad.getMessage() + ": " + line, bad);
        }
      }
    }
    return series;
  }
}
