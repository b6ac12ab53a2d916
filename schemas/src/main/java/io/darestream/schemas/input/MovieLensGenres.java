package io.darestream.schemas.input;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The stable mapping from a MovieLens genre to a category id. Fixed, not first-seen order: the same
 * genre has the same id in every file, every replay and every MovieLens release.
 *
 * <p>Ids: {@code (no genres listed)} is 0; the MovieLens genres (README of ml-latest) are 1..19 in
 * alphabetical order; {@code Children's} (older releases) is Children. A genre not in the list gets
 * {@value #UNLISTED_BASE} plus a hash of its name, stable across runs.
 */
public final class MovieLensGenres {
  /** Category of movies with no genre. */
  public static final long NO_GENRE = 0;

  /** First id of genres outside the known list. */
  public static final long UNLISTED_BASE = 1000;

  /** The known genres; a genre's id is its index. Append only, never reorder. */
  public static final List<String> KNOWN =
      List.of(
          "(no genres listed)",
          "Action",
          "Adventure",
          "Animation",
          "Children",
          "Comedy",
          "Crime",
          "Documentary",
          "Drama",
          "Fantasy",
          "Film-Noir",
          "Horror",
          "IMAX",
          "Musical",
          "Mystery",
          "Romance",
          "Sci-Fi",
          "Thriller",
          "War",
          "Western");

  private static final Map<String, Long> IDS =
      IntStream.range(0, KNOWN.size())
          .boxed()
          .collect(Collectors.toUnmodifiableMap(KNOWN::get, i -> (long) i));

  private MovieLensGenres() {}

  /** The category id of {@code genre}. */
  public static long idOf(String genre) {
    String trimmed = genre.trim();
    String name = trimmed.equals("Children's") ? "Children" : trimmed;
    Long id = IDS.get(name);
    if (id != null) {
      return id;
    }
    // String.hashCode is specified by the JLS, so this is stable across JVMs and releases.
    return UNLISTED_BASE + Math.floorMod(name.hashCode(), 1_000_000);
  }

  /** The category id of a movie from its {@code |}-separated genres: the first genre's. */
  public static long categoryOf(String genres) {
    int bar = genres.indexOf('|');
    String first = bar < 0 ? genres : genres.substring(0, bar);
    return first.isBlank() ? NO_GENRE : idOf(first);
  }
}
