package io.darestream.schemas.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLensRatingsTest {
  private static final Path DIR = Resources.path("movielens/ratings.csv").getParent();

  @Test
  void readsRatingsAsClicksWithTheFirstGenreAsCategory() throws IOException {
    EventReader reader = MovieLensRatings.open(DIR, ParseOptions.fail());
    List<BehaviorEvent> events = Drain.all(reader);

    assertThat(events).hasSize(7);
    BehaviorEvent toyStory = events.get(0);
    assertThat(toyStory.getEventId()).isEqualTo("movielens:1:1:964982703");
    assertThat(toyStory.getUserId()).isEqualTo(1L);
    assertThat(toyStory.getItemId()).isEqualTo(1L);
    assertThat(toyStory.getCategoryId()).isEqualTo(MovieLensGenres.idOf("Adventure"));
    assertThat(toyStory.getCategoryId()).isEqualTo(2L);
    assertThat(toyStory.getType()).isEqualTo(BehaviorType.CLICK);
    assertThat(toyStory.getEventTimeMs()).isEqualTo(964_982_703_000L);
    assertThat(events)
        .extracting(BehaviorEvent::getItemId, BehaviorEvent::getCategoryId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, 2L), // Adventure
            org.assertj.core.groups.Tuple.tuple(3L, 5L), // Comedy
            org.assertj.core.groups.Tuple.tuple(6L, 1L), // Action
            org.assertj.core.groups.Tuple.tuple(47L, 14L), // Mystery
            org.assertj.core.groups.Tuple.tuple(50L, 6L), // Crime
            org.assertj.core.groups.Tuple.tuple(11L, 5L), // quoted title with a comma
            org.assertj.core.groups.Tuple.tuple(114335L, MovieLensGenres.NO_GENRE));
    assertThat(events.get(5).getEventTimeMs()).isEqualTo(845_553_489_000L); // 1996
    assertThat(reader.stats().linesRead()).isEqualTo(8); // header included
    assertThat(reader.stats().events()).isEqualTo(7);
  }

  @Test
  void openingRatingsCsvFindsMoviesCsvBesideIt() throws IOException {
    assertThat(Drain.all(MovieLensRatings.open(DIR.resolve("ratings.csv"), ParseOptions.fail())))
        .hasSize(7);
  }

  @Test
  void badRatingsAreReportedWithLineNumbers() throws IOException {
    Path dir = Resources.path("movielens-bad/ratings.csv").getParent();
    EventReader reader = MovieLensRatings.open(dir, ParseOptions.skip());
    List<BehaviorEvent> events = Drain.all(reader);

    assertThat(events).extracting(BehaviorEvent::getItemId).containsExactly(1L, 50L);
    String file = dir.resolve("ratings.csv").toString();
    assertThat(reader.stats().skipped()).isEqualTo(3);
    assertThat(reader.stats().firstReasons().get(0))
        .startsWith(file + ":3: movieId 999999 is not in movies.csv");
    assertThat(reader.stats().firstReasons().get(1))
        .startsWith(file + ":4: rating 'great' is not a number");
    assertThat(reader.stats().firstReasons().get(2))
        .startsWith(file + ":5: expected 4 fields userId,movieId,rating,timestamp but found 3");
  }

  @Test
  void failPolicyNamesTheRatingsLine() throws IOException {
    Path dir = Resources.path("movielens-bad/ratings.csv").getParent();
    EventReader reader = MovieLensRatings.open(dir, ParseOptions.fail());
    reader.next();

    assertThatThrownBy(reader::next)
        .isInstanceOf(BadLineException.class)
        .hasMessageContaining("ratings.csv:3: movieId 999999 is not in movies.csv");
  }

  @Test
  void missingMoviesCsvIsAClearError(@TempDir Path dir) throws IOException {
    Files.copy(DIR.resolve("ratings.csv"), dir.resolve("ratings.csv"));

    assertThatThrownBy(() -> MovieLensRatings.open(dir, ParseOptions.fail()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("MovieLens needs movies.csv beside ratings.csv")
        .hasMessageContaining(dir.resolve("movies.csv").toString());
  }

  @Test
  void catalogSkipsBadMovieLinesAndFailsOnThemUnderFail() {
    String movies = "movieId,title,genres\n1,Toy Story (1995),Adventure\nabc,Bad,Drama\n";

    MovieCatalog catalog =
        MovieCatalog.read(new StringReader(movies), "movies.csv", ParseOptions.skip());
    assertThat(catalog.size()).isEqualTo(1);
    assertThat(catalog.categoryOf(1)).isEqualTo(2L);
    assertThat(catalog.categoryOf(2)).isEqualTo(-1L);
    assertThat(catalog.stats().firstReasons())
        .containsExactly("movies.csv:3: movieId 'abc' is not a non-negative integer");
    assertThatThrownBy(
            () -> MovieCatalog.read(new StringReader(movies), "movies.csv", ParseOptions.fail()))
        .isInstanceOf(BadLineException.class)
        .hasMessage("movies.csv:3: movieId 'abc' is not a non-negative integer");
  }

  @Test
  void genreIdsAreStable() {
    assertThat(MovieLensGenres.idOf("(no genres listed)")).isEqualTo(0L);
    assertThat(MovieLensGenres.idOf("Action")).isEqualTo(1L);
    assertThat(MovieLensGenres.idOf("Western")).isEqualTo(19L);
    assertThat(MovieLensGenres.idOf("Children's")).isEqualTo(MovieLensGenres.idOf("Children"));
    long unlisted = MovieLensGenres.idOf("Telenovela");
    assertThat(unlisted).isGreaterThanOrEqualTo(MovieLensGenres.UNLISTED_BASE);
    assertThat(MovieLensGenres.idOf("Telenovela")).isEqualTo(unlisted);
    assertThat(MovieLensGenres.categoryOf("Comedy|Drama|Romance")).isEqualTo(5L);
    assertThat(MovieLensGenres.categoryOf("(no genres listed)")).isEqualTo(0L);
  }
}
