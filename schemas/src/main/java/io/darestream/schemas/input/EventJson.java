package io.darestream.schemas.input;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * The JSON form of a {@link BehaviorEvent}: one object with the Avro field names ({@code event_id,
 * user_id, item_id, category_id, type, event_time_ms, request_id}). {@code request_id} may be
 * absent or null; keys this reader does not know are ignored, so newer producers can add fields (as
 * Avro resolution allows for the binary form).
 */
public final class EventJson {
  // An event is one flat object: nesting beyond a few levels is an attack, not an event. A key
  // given twice means two things to two parsers: refused.
  private static final ObjectMapper MAPPER =
      new ObjectMapper(
          JsonFactory.builder()
              .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
              .build());
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private EventJson() {}

  /** One line of JSON (no trailing newline) for {@code event}. */
  public static String toJson(BehaviorEvent event) {
    StringWriter out = new StringWriter(160);
    write(event, out);
    return out.toString();
  }

  /** Writes {@code event} as one JSON object (no newline) to {@code out}. */
  public static void write(BehaviorEvent event, Writer out) {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartObject();
      g.writeStringField("event_id", event.getEventId());
      g.writeNumberField("user_id", event.getUserId());
      g.writeNumberField("item_id", event.getItemId());
      g.writeNumberField("category_id", event.getCategoryId());
      g.writeStringField("type", event.getType().name());
      g.writeNumberField("event_time_ms", event.getEventTimeMs());
      if (event.getRequestId() != null) {
        g.writeStringField("request_id", event.getRequestId());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write event " + event.getEventId(), e);
    }
  }

  /** Parses one JSON object into an event (not yet validated). */
  public static BehaviorEvent fromJson(String json) throws IllegalArgumentException {
    try {
      return parse(json);
    } catch (InvalidLineException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  static BehaviorEvent parse(String json) throws InvalidLineException {
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidLineException("not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new InvalidLineException("expected a JSON object");
    }
    JsonNode requestId = node.get("request_id");
    if (requestId != null && !requestId.isNull() && !requestId.isTextual()) {
      throw new InvalidLineException("request_id must be a string or null");
    }
    return new BehaviorEvent(
        text(node, "event_id"),
        integer(node, "user_id"),
        integer(node, "item_id"),
        integer(node, "category_id"),
        type(text(node, "type")),
        integer(node, "event_time_ms"),
        requestId == null || requestId.isNull() ? null : requestId.asText());
  }

  private static String text(JsonNode node, String field) throws InvalidLineException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new InvalidLineException(field + " is missing");
    }
    if (!v.isTextual()) {
      throw new InvalidLineException(field + " must be a string, got " + v);
    }
    return v.asText();
  }

  private static long integer(JsonNode node, String field) throws InvalidLineException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new InvalidLineException(field + " is missing");
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new InvalidLineException(field + " must be an integer, got " + v);
    }
    return v.asLong();
  }

  private static BehaviorType type(String name) throws InvalidLineException {
    for (BehaviorType t : BehaviorType.values()) {
      if (t != BehaviorType.UNKNOWN && t.name().equals(name)) {
        return t;
      }
    }
    throw new InvalidLineException(
        "type '" + name + "' is not one of IMPRESSION, CLICK, PV, CART, FAV, BUY");
  }
}
