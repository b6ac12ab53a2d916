package io.darestream.jobs.sequence;

import io.darestream.jobs.bootstrap.HistoryReplay;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.testing.JobReplay;
import io.darestream.jobs.testing.StructurelessStreams;
import io.darestream.model.DareConfig;
import io.darestream.model.Variant;
import io.darestream.model.sampling.NegativeSampler;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.input.EventFormat;
import io.darestream.state.sequence.SequenceLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * Prequential AUC of DARE and TWIN side by side on a dataset, through the job's own label join
 * ({@link UserTimeline}) and trainer ({@link io.darestream.jobs.train.OnlineTrainer}) without Flink
 * or Kafka: the events sorted by time (as {@code local} replays them), default model options, one
 * micro-batch of 64 at a time. Measures what the label settings do to the figures {@code local}
 * reports (BENCHMARKS.md and the honest-labels issue); not part of the test run.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... io.darestream.jobs.sequence.HonestLabelsBench \
 *   input=../shared/data/movielens-latest-small/ratings.csv format=movielens \
 *   [warm-min-count=1] [exclude-history=false] [last=10000]
 * java ... HonestLabelsBench generator=2000,2000,120,impressions [seed=42]
 * java ... HonestLabelsBench structureless=2000,4000000,100,click_only
 * </pre>
 */
public final class HonestLabelsBench {
  private HonestLabelsBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("arguments are key=value, got " + arg);
      }
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    List<BehaviorEvent> events;
    LabelMode mode = LabelMode.CLICK_ONLY;
    String dataset;
    if (a.containsKey("input")) {
      Path input = Path.of(a.get("input"));
      events = new ArrayList<>(JobReplay.readEvents(input, EventFormat.fromName(a.get("format"))));
      events.sort(Comparator.comparingLong(BehaviorEvent::getEventTimeMs)); // stable
      dataset = input.toString();
    } else {
      boolean structureless = a.containsKey("structureless");
      String[] g = (structureless ? a.get("structureless") : a.get("generator")).split(",");
      GeneratorMode gm = GeneratorMode.valueOf(g[3].toUpperCase(java.util.Locale.ROOT));
      GeneratorConfig.Builder b =
          GeneratorConfig.builder()
              .setUsers(Integer.parseInt(g[0]))
              .setItems(Integer.parseInt(g[1]))
              .setBehaviorsPerUser(Integer.parseInt(g[2]))
              .optMode(gm)
              .optSeed(Long.parseLong(a.getOrDefault("seed", "42")));
      if (structureless) {
        StructurelessStreams.makeStructureless(b, gm);
      }
      events = new ArrayList<>();
      new StreamGenerator(b.build()).events().forEachRemaining(events::add);
      mode = gm == GeneratorMode.IMPRESSIONS ? LabelMode.IMPRESSION : LabelMode.CLICK_ONLY;
      dataset = (structureless ? "structureless " : "generator ") + String.join(",", g);
    }
    Configuration c = new Configuration();
    c.set(LabelOptions.MODE, mode);
    c.set(LabelOptions.WARM_MIN_COUNT, Integer.parseInt(a.getOrDefault("warm-min-count", "1")));
    c.set(
        LabelOptions.NEGATIVES_EXCLUDE_HISTORY,
        Boolean.parseBoolean(a.getOrDefault("exclude-history", "false")));
    LabelOptions labels = LabelOptions.from(c);
    int last = Integer.parseInt(a.getOrDefault("last", "10000"));

    List<Variant> variants = List.of(Variant.DARE, Variant.TWIN);
    List<DareConfig> models = new ArrayList<>();
    for (Variant v : variants) {
      models.add(DareConfig.builder().variant(v).microBatchSize(64).build());
    }
    long start = System.nanoTime();
    PrequentialRun run = new PrequentialRun(models);
    HistoryReplay driver =
        new HistoryReplay(
            new UserTimeline(
                SequenceLimits.builder().optMaxLength(200).build(),
                labels,
                new NegativeSampler(labels.samplerWindow(), labels.samplerSeed() * 31)));
    driver.run(events.iterator(), run::add);
    run.finish();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "%s | %s warm-min-count=%d exclude-history=%b | %,d events, %,d cold clicks%n",
        dataset,
        mode,
        labels.warmMinCount(),
        labels.negativesExcludeHistory(),
        events.size(),
        driver.coldClicks());
    for (int m = 0; m < variants.size(); m++) {
      PrequentialRun.Scores s = run.scores(m);
      System.out.printf(
          "  %-5s %,9d samples (%,d positives)  AUC %.4f overall, %.4f last %,d%n",
          variants.get(m), s.size(), s.positives(), s.auc(), s.aucOfLast(last), last);
    }
    System.out.printf("  (%.0f s)%n", seconds);
  }
}
