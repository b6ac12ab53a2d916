package io.darestream.schemas.input;

import io.darestream.schemas.avro.BehaviorEvent;
import java.util.ArrayList;
import java.util.List;

/** Reads a whole (small, test) reader into a list. */
final class Drain {
  private Drain() {}

  static List<BehaviorEvent> all(EventReader reader) {
    List<BehaviorEvent> events = new ArrayList<>();
    try (reader) {
      reader.forEachRemaining(events::add);
    }
    return events;
  }
}
