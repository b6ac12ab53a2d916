package io.darestream.app.report;

import io.darestream.app.replay.Units;
import io.darestream.app.stats.LocalSummary;
import java.util.Locale;
import java.util.Map;

/** The report's {@code index.html}: settings, summary table and the three plots. */
final class HtmlPage {
  private HtmlPage() {}

  static String render(LocalSummary s, Map<String, String> settings) {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>dare-stream local run</title><style>")
        .append("body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}")
        .append("table{border-collapse:collapse;margin:1em 0}")
        .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}")
        .append("th{background:#f4f4f4}img{max-width:100%;border:1px solid #eee}")
        .append("</style></head><body>\n");
    b.append("<h1>dare-stream local run</h1>\n");
    b.append("<p>")
        .append(esc(s.dataset()))
        .append(" &mdash; finished in ")
        .append(Units.duration(s.wallSeconds()))
        .append("</p>\n");

    b.append("<h2>Summary</h2>\n<table>\n");
    row(
        b,
        "events replayed (sent / acknowledged)",
        s.replay().sent() + " / " + s.replay().acknowledged());
    if (s.resumed() > 0) {
      row(b, "events in Kafka from the resumed run", Long.toString(s.resumed()));
    }
    row(b, "malformed input lines skipped", Long.toString(s.replay().skipped()));
    row(b, "events accepted by the job", Long.toString(s.accepted()));
    row(b, "dead letters (records in the dead-letter topic)", Long.toString(s.deadLettered()));
    row(b, "training samples", Long.toString(s.samples()));
    row(b, "cold clicks (no sample: the item was new to the model)", Long.toString(s.coldClicks()));
    if (s.freshness().count() > 0) {
      row(
          b,
          "freshness at serving",
          String.format(
              Locale.ROOT,
              "%,d deltas; p50 &le; %,.0f ms, p99 &le; %,.0f ms",
              s.freshness().count(),
              s.freshness().p50Ms(),
              s.freshness().p99Ms()));
    }
    b.append("</table>\n");

    b.append("<table><tr><th>variant</th><th>samples trained</th><th>AUC (all, prequential)</th>")
        .append("<th>AUC (last 10,000)</th><th>model version</th></tr>\n");
    for (LocalSummary.VariantSummary v : s.variants()) {
      b.append(
          String.format(
              Locale.ROOT,
              "<tr><td>%s</td><td>%,d</td><td>%.4f</td><td>%.4f</td><td>%d</td></tr>%n",
              esc(v.name().toUpperCase(Locale.ROOT)),
              v.trained(),
              v.overallAuc(),
              v.windowAuc(),
              v.modelVersion()));
    }
    b.append("</table>\n");

    b.append("<h2>AUC over stream time</h2>\n<img src=\"")
        .append(ReportWriter.AUC_PNG)
        .append("\" alt=\"AUC over event time per variant\">\n");
    b.append(RetrievalReport.html(s));
    b.append("<h2>Freshness</h2>\n<img src=\"")
        .append(ReportWriter.FRESHNESS_PNG)
        .append("\" alt=\"freshness distribution\">\n");
    b.append("<h2>Throughput</h2>\n<img src=\"")
        .append(ReportWriter.THROUGHPUT_PNG)
        .append("\" alt=\"throughput over time\">\n");

    b.append("<h2>Settings</h2>\n<table>\n");
    settings.forEach((k, v) -> row(b, esc(k), esc(v)));
    b.append("</table>\n</body></html>\n");
    return b.toString();
  }

  private static void row(StringBuilder b, String key, String value) {
    b.append("<tr><th>").append(key).append("</th><td>").append(value).append("</td></tr>\n");
  }

  static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
