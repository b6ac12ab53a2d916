package io.darestream.schemas.input;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * MovieLens {@code movies.csv} ({@code movieId,title,genres}, header) reduced to movie id →
 * category id (the first genre, see {@link MovieLensGenres}). Held in memory: it is small (87k
 * movies in the largest MovieLens release) and every rating needs a lookup.
 *
 * <p>Titles may be quoted and contain commas, but ids and genres never do, so the id is the text
 * before the first comma and the genres the text after the last one: no CSV quoting needed.
 */
public final class MovieCatalog {
  private final Map<Long, Long> categoryByMovie;
  private final ParseStats stats;

  private MovieCatalog(Map<Long, Long> categoryByMovie, ParseStats stats) {
    this.categoryByMovie = categoryByMovie;
    this.stats = stats;
  }

  /** Loads {@code moviesCsv}; bad lines follow {@code options} (a skipped movie's ratings fail). */
  public static MovieCatalog load(Path moviesCsv, ParseOptions options) throws IOException {
    try (BufferedReader in = TextFiles.open(moviesCsv)) {
      return read(in, moviesCsv.toString(), options);
    }
  }

  /** Loads from {@code in}; {@code source} names it in bad-line reports. */
  public static MovieCatalog read(Reader in, String source, ParseOptions options) {
    BufferedReader reader = in instanceof BufferedReader b ? b : new BufferedReader(in);
    Map<Long, Long> categories = new HashMap<>();
    ParseStats stats = new ParseStats(options.keptReasons());
    long lineNumber = 0;
    try {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNumber++;
        stats.lineRead();
        if (line.isBlank() || (lineNumber == 1 && line.startsWith("movieId"))) {
          continue;
        }
        int first = line.indexOf(',');
        int last = line.lastIndexOf(',');
        try {
          if (first < 0 || first == last) {
            throw new InvalidLineException("expected movieId,title,genres");
          }
          long movie = Fields.parseId(line, 0, first, "movieId");
          categories.put(movie, MovieLensGenres.categoryOf(line.substring(last + 1)));
          stats.eventProduced();
        } catch (InvalidLineException e) {
          if (options.policy() == BadLinePolicy.FAIL) {
            throw new BadLineException(source, lineNumber, e.getMessage());
          }
          stats.lineSkipped(source + ":" + lineNumber, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + source + " after line " + lineNumber, e);
    }
    return new MovieCatalog(categories, stats);
  }

  /** The category id of {@code movieId}, or -1 if the catalog does not list it. */
  public long categoryOf(long movieId) {
    Long category = categoryByMovie.get(movieId);
    return category == null ? -1 : category;
  }

  /** Number of movies listed. */
  public int size() {
    return categoryByMovie.size();
  }

  /** Counters of the load ({@code events} = movies listed). */
  public ParseStats stats() {
    return stats;
  }
}
