package io.darestream.jobs.ingest;

import io.darestream.schemas.avro.BehaviorEvent;
import java.util.Objects;

/**
 * An accepted event with the time it entered Kafka, which downstream stages need to measure
 * freshness (ingest to published model change).
 *
 * @param event the validated event
 * @param ingestTimeMs Kafka record timestamp (epoch ms); the ingest function's wall clock if the
 *     record had none
 */
public record IngestedEvent(BehaviorEvent event, long ingestTimeMs) {
  public IngestedEvent {
    Objects.requireNonNull(event, "event");
  }
}
