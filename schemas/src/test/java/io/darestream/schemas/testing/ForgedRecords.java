package io.darestream.schemas.testing;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.serde.DecodeException;
import io.darestream.schemas.validate.EventPolicy;
import io.darestream.schemas.validate.EventValidator;
import io.darestream.schemas.validate.Violation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Forges {@code behavior-events} Kafka records of every kind a broken or hostile producer sends,
 * each tagged with the outcomes a correct reader may give it: {@link #ACCEPTED}, or the reason code
 * ({@link DecodeException.Reason} or {@link Violation} code) it must be refused with.
 *
 * <p>Expectations are those of decoding ({@link Codecs#BEHAVIOR_EVENT}) followed by the field
 * checks of {@link EventPolicy} (the policy shared by the job and serving) with its default id
 * range. Two kinds pass that and are refused later by the time checks or dedup: {@link
 * Kind#FAR_FUTURE} ({@code FUTURE_EVENT}) and, when they repeat an event id, {@link
 * Kind#DUPLICATE}.
 *
 * <p>Streaming: records are made one at a time ({@link #iterator}) and only the last few good
 * records are kept (for duplicates), so a run of 100,000 needs no more memory than one of 2,000.
 * Same seed, same records.
 */
public final class ForgedRecords implements Iterable<ForgedRecords.Forged> {
  /** The outcome of a record that decodes and passes validation. */
  public static final String ACCEPTED = "ACCEPTED";

  /** 2025-01-01T00:00:00Z: good events are stamped from here on, 10 ms apart. */
  public static final long BASE_TIME_MS = 1_735_689_600_000L;

  /** 3000-01-01T00:00:00Z. */
  public static final long YEAR_3000_MS = 32_503_680_000_000L;

  private static final int CLICK_INDEX = BehaviorType.CLICK.ordinal();

  /** What was forged; see each constant for the expected outcome. */
  public enum Kind {
    /** A valid event with a fresh id and user: {@link #ACCEPTED}. */
    GOOD(ACCEPTED),
    /** The exact bytes of a recent good record: {@link #ACCEPTED} (dedup is downstream). */
    DUPLICATE(ACCEPTED),
    /** Ids of {@link Long#MAX_VALUE}, above the policy's id range: ID_OUT_OF_RANGE. */
    HUGE_IDS(Violation.ID_OUT_OF_RANGE),
    /** Valid fields, stamped in the year 3000: FUTURE_EVENT (the policy's time check). */
    FAR_FUTURE(Violation.FUTURE_EVENT),
    /** A string length claiming up to 2^62 bytes in a few bytes: BAD_LENGTH. */
    LENGTH_CLAIM(DecodeException.Reason.BAD_LENGTH.name()),
    /** Bytes without the single-object marker: BAD_HEADER. */
    RANDOM_BYTES(DecodeException.Reason.BAD_HEADER.name()),
    /** A zero-length value: EMPTY. */
    EMPTY_VALUE(DecodeException.Reason.EMPTY.name()),
    /** A null value (a tombstone): EMPTY. */
    NULL_VALUE(DecodeException.Reason.EMPTY.name()),
    /** A good body behind a fingerprint nobody knows: UNKNOWN_SCHEMA. */
    UNKNOWN_FINGERPRINT(DecodeException.Reason.UNKNOWN_SCHEMA.name()),
    /** A good record cut short anywhere. */
    TRUNCATED(
        DecodeException.Reason.BAD_HEADER.name(),
        DecodeException.Reason.BAD_LENGTH.name(),
        DecodeException.Reason.DECODE_FAILED.name()),
    /** A good record with bytes after its end: DECODE_FAILED. */
    TRAILING_BYTES(DecodeException.Reason.DECODE_FAILED.name()),
    /** A well-formed record over the event size limit: TOO_LARGE. */
    OVERSIZED(DecodeException.Reason.TOO_LARGE.name()),
    /** A behaviour type index beyond the enum's symbols: DECODE_FAILED. */
    TYPE_OUT_OF_RANGE(DecodeException.Reason.DECODE_FAILED.name()),
    /** The UNKNOWN behaviour type: UNKNOWN_TYPE. */
    UNKNOWN_TYPE(Violation.UNKNOWN_TYPE),
    /** A negative user, item or category id: INVALID_FIELD. */
    NEGATIVE_ID(Violation.INVALID_FIELD),
    /** An empty or overlong event id: INVALID_FIELD. */
    BAD_EVENT_ID(Violation.INVALID_FIELD),
    /** A time before 1990 (zero, negative, seconds for ms): INVALID_FIELD. */
    FAR_PAST(Violation.INVALID_FIELD),
    /** A valid header and fingerprint, then random bytes: any outcome, never a crash. */
    RANDOM_BODY(),
    /** A good record with a few bytes of its body replaced: any outcome, never a crash. */
    BIT_FLIP();

    private final Set<String> expected;

    Kind(String... expected) {
      this.expected = expected.length == 0 ? everyOutcome() : Set.of(expected);
    }

    /** The outcomes a correct reader may give a record of this kind. */
    public Set<String> expected() {
      return expected;
    }
  }

  /**
   * One forged record.
   *
   * @param index its position in the sequence
   * @param userId the user of a record that is {@link #ACCEPTED}, else -1
   * @param key the Kafka key (the user id as text, random bytes, or null)
   * @param value the Kafka value; null for {@link Kind#NULL_VALUE}
   */
  public record Forged(long index, Kind kind, long userId, byte[] key, byte[] value) {
    /** Whether a correct reader must accept it. */
    public boolean mustBeAccepted() {
      return kind.expected().equals(Set.of(ACCEPTED));
    }

    /** Whether {@code outcome} ({@link #ACCEPTED} or a reason code) is correct for it. */
    public boolean allows(String outcome) {
      return kind.expected().contains(outcome);
    }

    @Override
    public String toString() {
      int shown = value == null ? 0 : Math.min(value.length, 48);
      return "#"
          + index
          + " "
          + kind
          + " ("
          + (value == null ? "null" : value.length + " bytes: " + hex(value, shown))
          + ")";
    }
  }

  private final long seed;
  private final long count;
  private final long firstUser;

  /**
   * @param count how many records {@link #iterator()} yields
   * @param seed the random seed
   * @param firstUser user id of the first good record; each good record has a new user after it
   */
  public ForgedRecords(long count, long seed, long firstUser) {
    this.count = count;
    this.seed = seed;
    this.firstUser = firstUser;
  }

  @Override
  public Iterator<Forged> iterator() {
    return new Forger();
  }

  private static final EventPolicy POLICY = EventPolicy.defaults();

  /**
   * What decoding and the policy make of {@code value} read at {@code referenceMs} (its record's
   * time): {@link #ACCEPTED} or the reason code. Lateness is judged against the watermark of the
   * stream's first good record ({@link #BASE_TIME_MS}); the true watermark runs up to 10 ms a
   * record ahead of that, so a bit flip landing a day behind within the stream's span could be
   * judged differently (none does for the seeds the tests use).
   */
  public static String outcomeAt(byte[] value, long referenceMs) {
    try {
      BehaviorEvent e = Codecs.BEHAVIOR_EVENT.decode(value);
      Optional<Violation> v = POLICY.checkFields(e);
      if (v.isEmpty() && POLICY.isFuture(e.getEventTimeMs(), referenceMs)) {
        return Violation.FUTURE_EVENT;
      }
      if (v.isEmpty() && POLICY.isLate(e.getEventTimeMs(), POLICY.watermark(BASE_TIME_MS))) {
        return Violation.LATE_EVENT;
      }
      return v.map(Violation::code).orElse(ACCEPTED);
    } catch (DecodeException e) {
      return e.reason().name();
    }
  }

  /** {@link #outcomeAt} the forged stream's own present, {@link #BASE_TIME_MS}. */
  public static String outcomeOf(byte[] value) {
    return outcomeAt(value, BASE_TIME_MS);
  }

  private static Set<String> everyOutcome() {
    Set<String> all = new LinkedHashSet<>();
    all.add(ACCEPTED);
    for (DecodeException.Reason r : DecodeException.Reason.values()) {
      all.add(r.name());
    }
    all.add(Violation.INVALID_FIELD);
    all.add(Violation.ID_OUT_OF_RANGE);
    all.add(Violation.FUTURE_EVENT);
    all.add(Violation.LATE_EVENT);
    all.add(Violation.UNKNOWN_TYPE);
    return Set.copyOf(all);
  }

  private final class Forger implements Iterator<Forged> {
    private final Random random = new Random(seed);
    private final Deque<Forged> recentGood = new ArrayDeque<>();
    private final Kind[] kinds = Kind.values();
    private long next;
    private long nextUser = firstUser;

    @Override
    public boolean hasNext() {
      return next < count;
    }

    @Override
    public Forged next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      long index = next++;
      // About a third good, the rest spread over the other kinds; every kind early on.
      Kind kind =
          index < kinds.length
              ? kinds[(int) index]
              : random.nextInt(3) == 0 ? Kind.GOOD : kinds[1 + random.nextInt(kinds.length - 1)];
      Forged f = forge(index, kind);
      if (kind == Kind.GOOD) {
        recentGood.addLast(f);
        if (recentGood.size() > 64) {
          recentGood.removeFirst();
        }
      }
      return f;
    }

    private Forged forge(long index, Kind kind) {
      long time = BASE_TIME_MS + index * 10;
      return switch (kind) {
        case GOOD -> {
          long user = nextUser++;
          yield accepted(index, kind, user, event(index, user, 1_000 + index % 997, time));
        }
        case DUPLICATE -> {
          if (recentGood.isEmpty()) {
            long user = nextUser++;
            yield accepted(index, kind, user, event(index, user, 7, time));
          }
          Forged original =
              recentGood.stream().skip(random.nextInt(recentGood.size())).findFirst().get();
          yield new Forged(index, kind, original.userId(), original.key(), original.value());
        }
        case HUGE_IDS -> {
          BehaviorEvent e = event(index, Long.MAX_VALUE, Long.MAX_VALUE, time);
          e.setCategoryId(Long.MAX_VALUE);
          yield refused(index, kind, encode(e));
        }
        case FAR_FUTURE -> {
          yield refused(index, kind, encode(event(index, nextUser++, 5, YEAR_3000_MS + index)));
        }
        case LENGTH_CLAIM -> refused(index, kind, lengthClaim(time));
        case RANDOM_BYTES -> {
          byte[] b = randomBytes(1 + random.nextInt(64));
          b[0] = (byte) (b[0] == (byte) 0xC3 ? 0x7B : b[0]);
          yield refused(index, kind, b);
        }
        case EMPTY_VALUE -> refused(index, kind, new byte[0]);
        case NULL_VALUE -> refused(index, kind, null);
        case UNKNOWN_FINGERPRINT -> {
          byte[] good = encode(event(index, 1, 1, time));
          long fp = random.nextLong();
          if (fp == Codecs.BEHAVIOR_EVENT.fingerprint()) {
            fp ^= 1;
          }
          byte[] b =
              AvroBytes.concat(AvroBytes.header(fp), Arrays.copyOfRange(good, 10, good.length));
          yield refused(index, kind, b);
        }
        case TRUNCATED -> {
          byte[] good = encode(event(index, 1, 1, time));
          yield refused(index, kind, Arrays.copyOf(good, 1 + random.nextInt(good.length - 1)));
        }
        case TRAILING_BYTES -> {
          byte[] good = encode(event(index, 1, 1, time));
          yield refused(index, kind, AvroBytes.concat(good, randomBytes(1 + random.nextInt(8))));
        }
        case OVERSIZED -> {
          BehaviorEvent e = event(index, 1, 1, time);
          e.setRequestId("r".repeat(Codecs.EVENT_LIMITS.maxRecordBytes() + random.nextInt(1024)));
          yield refused(index, kind, encode(e));
        }
        case TYPE_OUT_OF_RANGE ->
            refused(index, kind, body(index, 1, 1, 1, 7 + random.nextInt(1_000), time));
        case UNKNOWN_TYPE -> refused(index, kind, body(index, 1, 1, 1, 0, time));
        case NEGATIVE_ID -> {
          long[] ids = {1, 1, 1};
          ids[random.nextInt(3)] = random.nextBoolean() ? -1 : Long.MIN_VALUE;
          yield refused(index, kind, body(index, ids[0], ids[1], ids[2], CLICK_INDEX, time));
        }
        case BAD_EVENT_ID -> {
          BehaviorEvent e = event(index, 1, 1, time);
          e.setEventId(
              random.nextBoolean() ? " " : "x".repeat(EventValidator.MAX_EVENT_ID_LENGTH + 1));
          yield refused(index, kind, encode(e));
        }
        case FAR_PAST -> {
          long[] times = {0, -1, Long.MIN_VALUE, time / 1_000};
          yield refused(index, kind, encode(event(index, 1, 1, times[random.nextInt(4)])));
        }
        case RANDOM_BODY -> {
          byte[] b =
              AvroBytes.concat(
                  AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint()),
                  randomBytes(random.nextInt(40)));
          yield maybe(index, kind, b);
        }
        case BIT_FLIP -> {
          byte[] b = encode(event(index, 1, 1, time));
          for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            b[10 + random.nextInt(b.length - 10)] = (byte) random.nextInt(256);
          }
          yield maybe(index, kind, b);
        }
      };
    }

    /** A record whose string claims far more than it holds, at the first or the last string. */
    private byte[] lengthClaim(long time) {
      long[] claims = {2_000_000_000L, Integer.MAX_VALUE, 1L << 40, Long.MAX_VALUE >> 1, 1_000};
      long claim = claims[random.nextInt(claims.length)];
      byte[] header = AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint());
      byte[] stray = randomBytes(random.nextInt(8));
      if (random.nextBoolean()) {
        return AvroBytes.concat(header, AvroBytes.varLong(claim), stray);
      }
      return AvroBytes.concat(
          header,
          AvroBytes.string("claim"),
          AvroBytes.varLong(1),
          AvroBytes.varLong(1),
          AvroBytes.varLong(1),
          AvroBytes.varLong(CLICK_INDEX),
          AvroBytes.varLong(time),
          AvroBytes.varLong(1), // request_id: the string branch
          AvroBytes.varLong(claim),
          stray);
    }

    /** An event written field by field, so that ids and the type index can be anything. */
    private byte[] body(long index, long user, long item, long category, int type, long time) {
      return AvroBytes.concat(
          AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint()),
          AvroBytes.string("forged-" + index),
          AvroBytes.varLong(user),
          AvroBytes.varLong(item),
          AvroBytes.varLong(category),
          AvroBytes.varLong(type),
          AvroBytes.varLong(time),
          AvroBytes.varLong(0));
    }

    private BehaviorEvent event(long index, long user, long item, long time) {
      return Events.event(
          "forged-" + seed + "-" + index, user, item, item % 50, BehaviorType.CLICK, time, null);
    }

    private Forged accepted(long index, Kind kind, long user, BehaviorEvent e) {
      return new Forged(index, kind, user, key(user), encode(e));
    }

    private Forged refused(long index, Kind kind, byte[] value) {
      byte[] key = random.nextInt(4) == 0 ? null : randomBytes(random.nextInt(12));
      return new Forged(index, kind, -1, key, value);
    }

    private Forged maybe(long index, Kind kind, byte[] value) {
      return new Forged(index, kind, -1, key(1), value);
    }

    private byte[] randomBytes(int n) {
      byte[] b = new byte[n];
      random.nextBytes(b);
      return b;
    }
  }

  private static byte[] encode(BehaviorEvent e) {
    return Codecs.BEHAVIOR_EVENT.encode(e);
  }

  private static byte[] key(long user) {
    return Long.toString(user).getBytes(StandardCharsets.UTF_8);
  }

  private static String hex(byte[] b, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(String.format("%02X", b[i] & 0xFF));
    }
    return n < b.length ? sb.append("...").toString() : sb.toString();
  }
}
