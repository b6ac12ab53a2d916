package io.darestream.schemas.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.input.EventReader;
import io.darestream.schemas.input.ParseOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorMainTest {
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  @Test
  void writesJsonLinesThatReadBackAsTheSameStream(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("events.jsonl");
    long written =
        GeneratorMain.run(
            new String[] {
              "--users",
              "20",
              "--items",
              "2000",
              "--behaviors-per-user",
              "50",
              "--seed",
              "3",
              "--out",
              out.toString()
            },
            new PrintStream(log, true, StandardCharsets.UTF_8));

    List<BehaviorEvent> read = new ArrayList<>();
    try (EventReader reader = EventFormat.EVENTS.open(out, ParseOptions.fail())) {
      reader.forEachRemaining(read::add);
    }
    List<BehaviorEvent> expected = new ArrayList<>();
    new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(20)
                .setItems(2_000)
                .setBehaviorsPerUser(50)
                .optSeed(3)
                .build())
        .events()
        .forEachRemaining(expected::add);
    assertThat(read).isEqualTo(expected);
    assertThat(written).isEqualTo(expected.size());
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("wrote " + String.format("%,d", written));
  }

  @Test
  void writesTaobaoCsvThatReadsBackAsPageViews(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("UserBehavior.csv");
    GeneratorMain.run(
        new String[] {
          "--users",
          "10",
          "--items",
          "1000",
          "--behaviors-per-user",
          "30",
          "--mode",
          "click_only",
          "--format",
          "taobao",
          "--out",
          out.toString()
        },
        new PrintStream(log, true, StandardCharsets.UTF_8));

    Iterator<BehaviorEvent> generated =
        new StreamGenerator(
                GeneratorConfig.builder()
                    .setUsers(10)
                    .setItems(1_000)
                    .setBehaviorsPerUser(30)
                    .optMode(GeneratorMode.CLICK_ONLY)
                    .build())
            .events();
    assertThat(Files.readAllLines(out)).hasSize(300);
    try (EventReader reader = EventFormat.TAOBAO.open(out, ParseOptions.fail())) {
      while (reader.hasNext()) {
        BehaviorEvent read = reader.next();
        BehaviorEvent original = generated.next();
        assertThat(read.getType()).isEqualTo(BehaviorType.PV);
        assertThat(read.getUserId()).isEqualTo(original.getUserId());
        assertThat(read.getItemId()).isEqualTo(original.getItemId());
        assertThat(read.getCategoryId()).isEqualTo(original.getCategoryId());
        assertThat(read.getEventTimeMs()).isEqualTo(original.getEventTimeMs() / 1000 * 1000);
      }
    }
    assertThat(generated.hasNext()).isFalse();
  }

  @Test
  void taobaoWithImpressionsIsRefusedWithAHint(@TempDir Path dir) {
    assertThatThrownBy(
            () ->
                GeneratorMain.run(
                    new String[] {
                      "--users",
                      "1",
                      "--items",
                      "100",
                      "--behaviors-per-user",
                      "5",
                      "--format",
                      "taobao",
                      "--out",
                      dir.resolve("x.csv").toString()
                    },
                    new PrintStream(log, true, StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--format taobao cannot hold impressions: add --mode click_only");
  }

  @Test
  void badFlagsAreNamed() {
    PrintStream sink = new PrintStream(log, true, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> GeneratorMain.run(new String[] {"--users", "many"}, sink))
        .hasMessage("--users must be an integer, got 'many'");
    assertThatThrownBy(
            () ->
                GeneratorMain.run(
                    new String[] {"--users", "1", "--items", "100", "--behaviors-per-user", "5"},
                    sink))
        .hasMessage("--out is required");
  }
}
