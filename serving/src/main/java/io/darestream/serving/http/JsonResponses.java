package io.darestream.serving.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.serving.scoring.RetrievedBehavior;
import io.darestream.serving.scoring.ScoreResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Writes the service's JSON bodies with Jackson's streaming generator: no reflection and no
 * intermediate maps on the scoring path. Scores are written as float32 in their shortest
 * round-tripping form, so a client parses back exactly the value the model computed.
 */
public final class JsonResponses {
  private static final JsonFactory JSON = new JsonFactory();

  private JsonResponses() {}

  /** {@code {"model_version", "epoch", "scores", "user_known", "retrieved"?}}. */
  public static byte[] score(ScoreResult r) {
    // About 12 bytes per score; sized up front so the buffer is not regrown per request.
    return write(
        64 + 16 * r.scores().length,
        g -> {
          g.writeStartObject();
          g.writeNumberField("model_version", r.model().version());
          g.writeNumberField("epoch", r.model().epoch());
          g.writeArrayFieldStart("scores");
          for (float s : r.scores()) {
            g.writeNumber(s);
          }
          g.writeEndArray();
          g.writeBooleanField("user_known", r.userKnown());
          if (r.explained()) {
            g.writeArrayFieldStart("retrieved");
            for (List<RetrievedBehavior> perCandidate : r.retrieved()) {
              g.writeStartArray();
              for (RetrievedBehavior b : perCandidate) {
                g.writeStartObject();
                g.writeNumberField("item_id", b.itemId());
                g.writeNumberField("category_id", b.categoryId());
                g.writeNumberField("position", b.position());
                g.writeNumberField("attention_score", b.attentionScore());
                g.writeNumberField("weight", b.weight());
                g.writeEndObject();
              }
              g.writeEndArray();
            }
            g.writeEndArray();
          }
          g.writeEndObject();
        });
  }

  /**
   * Whether every score and search weight of {@code r} is finite: JSON has no NaN or infinity
   * (Jackson would write them as the strings {@code "NaN"}, {@code "Infinity"}), and a model that
   * produces them is broken, not to be served.
   */
  public static boolean allFinite(ScoreResult r) {
    for (float s : r.scores()) {
      if (!Float.isFinite(s)) {
        return false;
      }
    }
    if (r.explained()) {
      for (List<RetrievedBehavior> perCandidate : r.retrieved()) {
        for (RetrievedBehavior b : perCandidate) {
          if (!Float.isFinite(b.weight()) || !Float.isFinite(b.attentionScore())) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /** {@code {"error": message, "field": field-or-null}}. */
  public static byte[] error(String message, String field) {
    return write(
        512,
        g -> {
          g.writeStartObject();
          g.writeStringField("error", message);
          if (field == null) {
            g.writeNullField("field");
          } else {
            g.writeStringField("field", field);
          }
          g.writeEndObject();
        });
  }

  /** The body of {@code GET /v1/model}. */
  public static byte[] model(ModelStatus m) {
    return write(
        512,
        g -> {
          g.writeStartObject();
          g.writeStringField("model_id", m.modelId());
          g.writeNumberField("epoch", m.position().epoch());
          g.writeNumberField("version", m.position().version());
          g.writeObjectFieldStart("rows_per_table");
          for (Map.Entry<String, Long> e : m.rowsPerTable().entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
          }
          g.writeEndObject();
          g.writeStringField("snapshot", m.snapshot());
          g.writeNumberField("applied_deltas", m.appliedDeltas());
          g.writeNumberField("freshness_lag_ms", m.freshnessLagMs());
          g.writeNumberField("last_delta_age_ms", m.lastDeltaAgeMs());
          g.writeEndObject();
        });
  }

  /** {@code {"status": status, "reasons": [...]}} for the health endpoints. */
  public static byte[] health(String status, List<String> reasons) {
    return health(status, reasons, List.of());
  }

  /** As above, with {@code "warnings": [...]} when there are any. */
  public static byte[] health(String status, List<String> reasons, List<String> warnings) {
    return write(
        512,
        g -> {
          g.writeStartObject();
          g.writeStringField("status", status);
          writeArray(g, "reasons", reasons);
          if (!warnings.isEmpty()) {
            writeArray(g, "warnings", warnings);
          }
          g.writeEndObject();
        });
  }

  private static void writeArray(JsonGenerator g, String field, List<String> values)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] write(int sizeHint, Body body) {
    try (ByteArrayBuilder out = new ByteArrayBuilder(sizeHint)) {
      try (JsonGenerator g = JSON.createGenerator(out)) {
        body.write(g);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory: cannot happen
    }
  }
}
