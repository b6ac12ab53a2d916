package io.darestream.schemas.input;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads MovieLens {@code ratings.csv} ({@code userId,movieId,rating,timestamp}, header) as CLICK
 * events: a rating says the user chose to watch the movie, whatever the score. The category is the
 * movie's first genre from {@link MovieCatalog}; timestamps are epoch seconds (events carry ms).
 * Event ids are {@code movielens:<user>:<movie>:<seconds>}, stable across replays.
 */
public final class MovieLensRatings implements LineParser {
  /** Prefix of the deterministic event ids. */
  public static final String ID_PREFIX = "movielens:";

  /** The file names of a MovieLens release directory. */
  public static final String RATINGS_CSV = "ratings.csv";

  public static final String MOVIES_CSV = "movies.csv";

  private final MovieCatalog catalog;

  private MovieLensRatings(MovieCatalog catalog) {
    this.catalog = catalog;
  }

  /**
   * Opens a MovieLens release: {@code path} is its directory or its {@code ratings.csv}; {@code
   * movies.csv} is read from the same directory.
   */
  public static EventReader open(Path path, ParseOptions options) throws IOException {
    return open(ratingsCsv(path), MovieCatalog.load(moviesCsv(path), options), options);
  }

  /** The ratings file of a release given as its directory or its {@code ratings.csv}. */
  public static Path ratingsCsv(Path path) {
    return Files.isDirectory(path) ? path.resolve(RATINGS_CSV) : path;
  }

  /**
   * The {@code movies.csv} beside the ratings of {@code path} (a release's directory or its {@code
   * ratings.csv}).
   *
   * @throws IOException naming both files if it is not there
   */
  public static Path moviesCsv(Path path) throws IOException {
    Path ratings = ratingsCsv(path);
    Path movies = ratings.toAbsolutePath().getParent().resolve(MOVIES_CSV);
    if (!Files.isRegularFile(movies)) {
      throw new IOException(
          "MovieLens needs movies.csv beside "
              + ratings.getFileName()
              + ": "
              + movies
              + " not found");
    }
    return movies;
  }

  /** Opens {@code ratingsCsv} with an already loaded catalog. */
  public static EventReader open(Path ratingsCsv, MovieCatalog catalog, ParseOptions options)
      throws IOException {
    return new LineEventReader(
        TextFiles.open(ratingsCsv), ratingsCsv.toString(), new MovieLensRatings(catalog), options);
  }

  /** Reads ratings from {@code in}; {@code source} names it in bad-line reports. */
  public static EventReader read(
      Reader in, String source, MovieCatalog catalog, ParseOptions options) {
    BufferedReader buffered =
        in instanceof BufferedReader b ? b : new BufferedReader(in, TextFiles.BUFFER_CHARS);
    return new LineEventReader(buffered, source, new MovieLensRatings(catalog), options);
  }

  @Override
  public boolean isHeader(long lineNumber, String line) {
    return lineNumber == 1 && line.startsWith("userId");
  }

  @Override
  public BehaviorEvent parse(String line) throws InvalidLineException {
    int c1 = line.indexOf(',');
    int c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
    int c3 = c2 < 0 ? -1 : line.indexOf(',', c2 + 1);
    if (c3 < 0 || line.indexOf(',', c3 + 1) >= 0) {
      throw new InvalidLineException(
          "expected 4 fields userId,movieId,rating,timestamp but found "
              + Fields.countFields(line));
    }
    long user = Fields.parseId(line, 0, c1, "userId");
    long movie = Fields.parseId(line, c1 + 1, c2, "movieId");
    checkRating(line.substring(c2 + 1, c3).trim());
    long seconds = Fields.parseId(line, c3 + 1, line.length(), "timestamp");
    long category = catalog.categoryOf(movie);
    if (category < 0) {
      throw new InvalidLineException("movieId " + movie + " is not in movies.csv");
    }
    String id = ID_PREFIX + user + ':' + movie + ':' + seconds;
    return new BehaviorEvent(
        id,
        user,
        movie,
        category,
        BehaviorType.CLICK,
        Fields.secondsToMillis(seconds, "timestamp"),
        null);
  }

  /** The rating is not carried, but a malformed one means a malformed line. */
  private static void checkRating(String rating) throws InvalidLineException {
    double value;
    try {
      value = Double.parseDouble(rating);
    } catch (NumberFormatException e) {
      throw new InvalidLineException("rating '" + rating + "' is not a number");
    }
    if (!(value >= 0 && value <= 5)) {
      throw new InvalidLineException("rating " + rating + " is outside 0..5");
    }
  }
}
