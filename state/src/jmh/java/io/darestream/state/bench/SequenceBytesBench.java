package io.darestream.state.bench;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.state.sequence.BehaviorCodes;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.EventIds;
import io.darestream.state.sequence.SequenceLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bytes per stored behaviour of {@link BehaviorSequence} against naive baselines (a POJO list
 * through Kryo and through Java serialization), on MovieLens ratings and the Taobao excerpt.
 *
 * <p>Not a test: reads the shared data folder. Run: {@code java -cp <test classpath>
 * io.darestream.state.bench.SequenceBytesBench /work/shared/data}.
 */
public final class SequenceBytesBench {
  /** The naive baseline element. */
  public static final class Behavior implements Serializable {
    private static final long serialVersionUID = 1L;
    public long itemId;
    public long categoryId;
    public long timeMs;
    public BehaviorType type;
    public String eventId;

    public Behavior() {}

    Behavior(long itemId, long categoryId, long timeMs, BehaviorType type, String eventId) {
      this.itemId = itemId;
      this.categoryId = categoryId;
      this.timeMs = timeMs;
      this.type = type;
      this.eventId = eventId;
    }
  }

  private SequenceBytesBench() {}

  public static void main(String[] args) throws IOException {
    Path data = Path.of(args.length > 0 ? args[0] : "/work/shared/data");
    System.out.println(
        "| dataset | users | behaviours | L_max | packed, no dedup ids | packed + dedup ids (2 d horizon) |"
            + " Kryo POJO list (no event id) | Java serialization (no event id) |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    Map<Long, List<Behavior>> movielens = movieLens(data.resolve("movielens-latest-small"));
    Map<Long, List<Behavior>> taobao = taobao(data.resolve("taobao-userbehavior-excerpt"));
    for (int cap : new int[] {SequenceLimits.MAX_LENGTH_LIMIT, 200}) {
      report("MovieLens latest-small", movielens, cap);
      report("Taobao excerpt", taobao, cap);
    }
  }

  private static void report(String name, Map<Long, List<Behavior>> users, int cap)
      throws IOException {
    long behaviours = 0;
    long packed = 0;
    long packedDedup = 0;
    long kryoBytes = 0;
    long javaBytes = 0;
    Kryo kryo = new Kryo();
    kryo.register(ArrayList.class);
    kryo.register(Behavior.class);
    kryo.register(BehaviorType.class);
    for (List<Behavior> events : users.values()) {
      BehaviorSequence plain = BehaviorSequence.create(limits(cap, 0));
      BehaviorSequence dedup =
          BehaviorSequence.create(limits(cap, SequenceLimits.DEFAULT_DEDUP_HORIZON_MS));
      for (Behavior b : events) {
        plain.append(0, b.itemId, b.categoryId, b.timeMs, BehaviorCodes.code(b.type));
        dedup.append(EventIds.hash64(b.eventId), b.itemId, b.categoryId, b.timeMs, b.type);
      }
      behaviours += plain.size();
      packed += plain.toBytes().length;
      packedDedup += dedup.toBytes().length;
      ArrayList<Behavior> kept = new ArrayList<>();
      for (Behavior b : events.subList(Math.max(0, events.size() - cap), events.size())) {
        kept.add(new Behavior(b.itemId, b.categoryId, b.timeMs, b.type, null));
      }
      Output out = new Output(1024, -1);
      kryo.writeObject(out, kept);
      kryoBytes += out.position();
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
        oos.writeObject(kept);
      }
      javaBytes += bos.size();
    }
    System.out.printf(
        "| %s | %d | %d | %s | %.2f | %.2f | %.2f | %.2f |%n",
        name,
        users.size(),
        behaviours,
        cap == SequenceLimits.MAX_LENGTH_LIMIT ? "none" : String.valueOf(cap),
        packed / (double) behaviours,
        packedDedup / (double) behaviours,
        kryoBytes / (double) behaviours,
        javaBytes / (double) behaviours);
  }

  private static SequenceLimits limits(int cap, long dedupHorizonMs) {
    return SequenceLimits.builder()
        .optMaxLength(cap)
        .optMaxOutOfOrderMs(0)
        .optDedupHorizonMs(dedupHorizonMs)
        .build();
  }

  /** ratings.csv rows as clicks; category = index of the movie's first genre. */
  private static Map<Long, List<Behavior>> movieLens(Path dir) throws IOException {
    Map<Long, Long> genreOf = new HashMap<>();
    Map<String, Long> genreIds = new LinkedHashMap<>();
    List<String> movies = Files.readAllLines(dir.resolve("movies.csv"));
    for (String line : movies.subList(1, movies.size())) {
      int firstComma = line.indexOf(',');
      int lastComma = line.lastIndexOf(',');
      String genres = line.substring(lastComma + 1);
      String first = genres.split("\\|")[0];
      long genre = genreIds.computeIfAbsent(first, g -> (long) genreIds.size());
      genreOf.put(Long.parseLong(line.substring(0, firstComma)), genre);
    }
    Map<Long, List<Behavior>> users = new LinkedHashMap<>();
    List<String> ratings = Files.readAllLines(dir.resolve("ratings.csv"));
    for (String line : ratings.subList(1, ratings.size())) {
      String[] f = line.split(",");
      long user = Long.parseLong(f[0]);
      long item = Long.parseLong(f[1]);
      users
          .computeIfAbsent(user, u -> new ArrayList<>())
          .add(
              new Behavior(
                  item,
                  genreOf.getOrDefault(item, -1L),
                  Long.parseLong(f[3]) * 1000,
                  BehaviorType.CLICK,
                  "ml-" + user + "-" + item));
    }
    sortByTime(users);
    return users;
  }

  private static Map<Long, List<Behavior>> taobao(Path dir) throws IOException {
    Map<Long, List<Behavior>> users = new LinkedHashMap<>();
    int row = 0;
    for (String line : Files.readAllLines(dir.resolve("UserBehavior.csv"))) {
      String[] f = line.split(",");
      long user = Long.parseLong(f[0]);
      BehaviorType type = BehaviorType.valueOf(f[3].toUpperCase(java.util.Locale.ROOT));
      users
          .computeIfAbsent(user, u -> new ArrayList<>())
          .add(
              new Behavior(
                  Long.parseLong(f[1]),
                  Long.parseLong(f[2]),
                  Long.parseLong(f[4]) * 1000,
                  type,
                  "tb-" + row++));
    }
    sortByTime(users);
    return users;
  }

  private static void sortByTime(Map<Long, List<Behavior>> users) {
    for (List<Behavior> events : users.values()) {
      events.sort(Comparator.comparingLong(b -> b.timeMs));
    }
  }
}
