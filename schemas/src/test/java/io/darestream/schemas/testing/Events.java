package io.darestream.schemas.testing;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.StreamGenerator;
import java.util.ArrayList;
import java.util.List;

/** Named test events, shared with other modules' tests through the schemas test-jar. */
public final class Events {
  /** 2017-11-25T00:00:00Z, the first day of Taobao UserBehavior. */
  public static final long BEGINNING = 1_511_568_000_000L;

  private Events() {}

  /** Every event the generator of {@code config} yields, in its order. */
  public static List<BehaviorEvent> generated(GeneratorConfig config) {
    List<BehaviorEvent> events = new ArrayList<>();
    new StreamGenerator(config).events().forEachRemaining(events::add);
    return events;
  }

  public static BehaviorEvent click(long user, long item, long category, long timeMs) {
    return event(
        "click:" + user + ":" + item + ":" + timeMs,
        user,
        item,
        category,
        BehaviorType.CLICK,
        timeMs,
        null);
  }

  public static BehaviorEvent impression(
      long user, long item, long category, long timeMs, String requestId) {
    return event(
        "imp:" + requestId + ":" + item,
        user,
        item,
        category,
        BehaviorType.IMPRESSION,
        timeMs,
        requestId);
  }

  public static BehaviorEvent event(
      String id,
      long user,
      long item,
      long category,
      BehaviorType type,
      long timeMs,
      String requestId) {
    return BehaviorEvent.newBuilder()
        .setEventId(id)
        .setUserId(user)
        .setItemId(item)
        .setCategoryId(category)
        .setType(type)
        .setEventTimeMs(timeMs)
        .setRequestId(requestId)
        .build();
  }
}
