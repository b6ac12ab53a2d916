package io.darestream.schemas.bench;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.input.EventReader;
import io.darestream.schemas.input.MovieCatalog;
import io.darestream.schemas.input.MovieLensRatings;
import io.darestream.schemas.input.ParseOptions;
import io.darestream.schemas.input.TaobaoCsv;
import io.darestream.schemas.output.TaobaoCsvWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parse rate of the input parsers: one operation parses a whole file, from disk (page cache) to
 * validated {@link BehaviorEvent}s. Lines/s = lines in the file / the p0.50 time per operation.
 *
 * <p>Needs the shared data ({@code -Djmh.args="ParserBenchmark -f 1 -p dataDir=..."}, default
 * {@code ../../shared/data} from the module directory). The generated file is 1M Taobao rows from
 * the synthetic generator, written once per trial, to show the rate on a file larger than the
 * 5,000-row excerpt (the full dataset is 100M rows, 3.5 GB).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g"})
public class ParserBenchmark {
  @Param("../../shared/data")
  public String dataDir;

  private Path taobao;
  private Path ratings;
  private Path movies;
  private MovieCatalog catalog;
  private Path generated;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Path data = Path.of(dataDir);
    taobao = data.resolve("taobao-userbehavior-excerpt/UserBehavior.csv");
    ratings = data.resolve("movielens-latest-small/ratings.csv");
    movies = data.resolve("movielens-latest-small/movies.csv");
    catalog = MovieCatalog.load(movies, ParseOptions.fail());
    generated = Files.createTempFile("taobao-1m-", ".csv");
    GeneratorConfig config =
        GeneratorConfig.builder()
            .setUsers(1_000)
            .setItems(200_000)
            .setBehaviorsPerUser(1_000)
            .optMode(GeneratorMode.CLICK_ONLY)
            .build();
    try (TaobaoCsvWriter writer = TaobaoCsvWriter.open(generated)) {
      Iterator<BehaviorEvent> events = new StreamGenerator(config).events();
      while (events.hasNext()) {
        writer.write(events.next());
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(generated);
  }

  /** 5,000 real rows. */
  @Benchmark
  public long taobaoExcerpt(Blackhole bh) throws IOException {
    return drain(TaobaoCsv.open(taobao, ParseOptions.skip()), bh);
  }

  /** 1,000,000 generated rows in the Taobao format. */
  @Benchmark
  public long taobaoGenerated1m(Blackhole bh) throws IOException {
    return drain(TaobaoCsv.open(generated, ParseOptions.skip()), bh);
  }

  /** 100,836 real ratings, movies.csv already loaded. */
  @Benchmark
  public long movieLensRatings(Blackhole bh) throws IOException {
    return drain(MovieLensRatings.open(ratings, catalog, ParseOptions.skip()), bh);
  }

  /** 9,742 movies: the one-off cost of opening a MovieLens release. */
  @Benchmark
  public int movieLensCatalog() throws IOException {
    return MovieCatalog.load(movies, ParseOptions.fail()).size();
  }

  private static long drain(EventReader reader, Blackhole bh) {
    try (reader) {
      while (reader.hasNext()) {
        bh.consume(reader.next());
      }
      return reader.stats().events();
    }
  }
}
