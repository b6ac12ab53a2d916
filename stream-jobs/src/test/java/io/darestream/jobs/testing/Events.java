package io.darestream.jobs.testing;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.serde.Codecs;
import java.time.Instant;

/**
 * Named instants and factories for the job's test events (categories derived from items); built by
 * the schemas test-jar's {@link io.darestream.schemas.testing.Events}.
 */
public final class Events {
  /** A fixed event-time origin, well in the past so no wall-clock check rejects it. */
  public static final Instant BEGINNING = Instant.parse("2024-03-01T12:00:00Z");

  public static final long T0 = BEGINNING.toEpochMilli();

  private Events() {}

  public static BehaviorEvent event(
      String id, long user, long item, long category, BehaviorType type, long timeMs) {
    return io.darestream.schemas.testing.Events.event(id, user, item, category, type, timeMs, null);
  }

  public static BehaviorEvent click(String id, long user, long item, long timeMs) {
    return event(id, user, item, item % 10, BehaviorType.CLICK, timeMs);
  }

  public static BehaviorEvent impression(
      String id, long user, long item, String requestId, long timeMs) {
    BehaviorEvent e = event(id, user, item, item % 10, BehaviorType.IMPRESSION, timeMs);
    e.setRequestId(requestId);
    return e;
  }

  public static BehaviorEvent clickFor(
      String id, long user, long item, String requestId, long timeMs) {
    BehaviorEvent e = click(id, user, item, timeMs);
    e.setRequestId(requestId);
    return e;
  }

  public static byte[] bytes(BehaviorEvent e) {
    return Codecs.BEHAVIOR_EVENT.encode(e);
  }
}
