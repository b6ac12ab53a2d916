package io.darestream.model.eval;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.input.EventReader;
import io.darestream.schemas.input.MovieLensRatings;
import io.darestream.schemas.input.ParseOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Groups an event stream into per-user sequences, each sorted by time (stable). */
public final class Sequences {
  private Sequences() {}

  /**
   * Reads {@code path}: a Taobao UserBehavior CSV file (or a directory holding {@code
   * UserBehavior.csv}), otherwise a MovieLens release directory.
   */
  public static List<UserSequence> read(Path path) throws IOException {
    Path taobao = java.nio.file.Files.isDirectory(path) ? path.resolve("UserBehavior.csv") : path;
    if (java.nio.file.Files.isRegularFile(taobao)) {
      try (EventReader reader =
          io.darestream.schemas.input.TaobaoCsv.open(taobao, ParseOptions.skip())) {
        return group(reader);
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
    return movieLens(path);
  }

  /** Reads a MovieLens release directory (ratings.csv + movies.csv) with the schemas parsers. */
  public static List<UserSequence> movieLens(Path dir) throws IOException {
    try (EventReader reader = MovieLensRatings.open(dir, ParseOptions.skip())) {
      return group(reader);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  /**
   * Groups {@code events}' behaviours by user; users ascending, each user's behaviours by time.
   * Impressions are not behaviours and are left out, as the job's sequence stage leaves them out of
   * every history (a generated stream in IMPRESSIONS mode holds them beside its clicks).
   */
  public static List<UserSequence> group(Iterator<BehaviorEvent> events) {
    Map<Long, List<long[]>> byUser = new TreeMap<>();
    while (events.hasNext()) {
      BehaviorEvent e = events.next();
      if (e.getType() == BehaviorType.IMPRESSION) {
        continue;
      }
      byUser
          .computeIfAbsent(e.getUserId(), u -> new ArrayList<>())
          .add(new long[] {e.getEventTimeMs(), e.getItemId(), e.getCategoryId()});
    }
    List<UserSequence> out = new ArrayList<>(byUser.size());
    byUser.forEach(
        (user, rows) -> {
          rows.sort(Comparator.comparingLong((long[] r) -> r[0]));
          int n = rows.size();
          long[] items = new long[n];
          long[] cats = new long[n];
          long[] times = new long[n];
          for (int i = 0; i < n; i++) {
            times[i] = rows.get(i)[0];
            items[i] = rows.get(i)[1];
            cats[i] = rows.get(i)[2];
          }
          out.add(new UserSequence(user, items, cats, times));
        });
    return out;
  }

  /** Newest-first history of the {@code max} behaviours before index {@code t}. */
  public static long[] historyBefore(long[] oldestFirst, int t, int max) {
    int n = Math.min(t, max);
    long[] h = new long[n];
    for (int i = 0; i < n; i++) {
      h[i] = oldestFirst[t - 1 - i];
    }
    return h;
  }

  static long[] copy(long[] a) {
    return Arrays.copyOf(a, a.length);
  }
}
