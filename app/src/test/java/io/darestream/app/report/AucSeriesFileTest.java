package io.darestream.app.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.app.stats.AucOverTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's AUC series file: round trip, refusals, and the per-bucket mean over runs. */
class AucSeriesFileTest {
  @TempDir Path dir;

  @Test
  void roundTripsEverySeries() throws IOException {
    Map<String, List<AucOverTime.Point>> series = new LinkedHashMap<>();
    series.put("DARE", List.of(new AucOverTime.Point(60_000, 0.625, 300)));
    series.put(
        "TWIN",
        List.of(new AucOverTime.Point(0, 0.5, 200), new AucOverTime.Point(60_000, 0.75, 201)));
    Path file = dir.resolve("auc.csv");
    AucSeriesFile.write(series, file);
    assertThat(AucSeriesFile.read(file)).isEqualTo(series);
  }

  @Test
  void refusesAnotherHeaderAndMalformedLines() throws IOException {
    Path noHeader = dir.resolve("a.csv");
    Files.writeString(noHeader, "DARE,0,0.5,1\n");
    assertThatThrownBy(() -> AucSeriesFile.read(noHeader))
        .hasMessageContaining("expected the header");
    Path badNumber = dir.resolve("b.csv");
    Files.writeString(badNumber, AucSeriesFile.HEADER + "\nDARE,zero,0.5,1\n");
    assertThatThrownBy(() -> AucSeriesFile.read(badNumber)).hasMessageContaining("line 2");
    Path fields = dir.resolve("c.csv");
    Files.writeString(fields, AucSeriesFile.HEADER + "\nDARE,0,0.5\n");
    assertThatThrownBy(() -> AucSeriesFile.read(fields)).hasMessageContaining("expected 4 fields");
  }

  @Test
  void averagesTheBucketsEveryRunHas() {
    var a = List.of(new AucOverTime.Point(0, 0.6, 100), new AucOverTime.Point(1, 0.7, 100));
    var b = List.of(new AucOverTime.Point(1, 0.8, 300));
    assertThat(AucComparison.meanPerBucket(List.of(a, b)))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.eventTimeMs()).isEqualTo(1);
              assertThat(p.auc()).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-12));
              assertThat(p.samples()).isEqualTo(200);
            });
  }
}
