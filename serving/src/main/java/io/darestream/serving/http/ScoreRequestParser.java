package io.darestream.serving.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.darestream.schemas.validate.EventPolicy;
import io.darestream.serving.scoring.ScoreRequest;
import java.io.IOException;
import java.util.Arrays;

/**
 * Parses and validates the body of {@code POST /v1/score} with Jackson's streaming parser, so that
 * every error names the field at fault and a request with too many candidates is refused as soon as
 * the limit is passed, before the rest is read. Unknown fields are skipped, for clients newer than
 * the service.
 */
public final class ScoreRequestParser {
  private static final JsonFactory JSON =
      JsonFactory.builder()
          // {"user_id":1,"user_id":2} means two things to two parsers: refuse it.
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(40).build())
          .build();

  private final RequestLimits limits;

  public ScoreRequestParser(RequestLimits limits) {
    this.limits = limits;
  }

  /**
   * Parses {@code body}.
   *
   * @throws ApiException (400) naming the field and what is wrong with it
   */
  public ScoreRequest parse(byte[] body) {
    if (body.length == 0) {
      throw ApiException.badRequest("request body is empty; expected a JSON object", null);
    }
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ApiException.badRequest("request body must be a JSON object", null);
      }
      long maxId = limits.maxId();
      Long userId = null;
      CandidateIds candidates = null;
      boolean explain = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "user_id" -> userId = readId(p, value, "user_id", maxId);
          case "candidates" -> candidates = readCandidates(p, value, maxId);
          case "explain" -> explain = readBoolean(value, "explain");
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw ApiException.badRequest("malformed JSON: content after the request object", null);
      }
      if (userId == null) {
        throw ApiException.badRequest("user_id is required", "user_id");
      }
      if (candidates == null) {
        throw ApiException.badRequest("candidates is required", "candidates");
      }
      return new ScoreRequest(
          userId,
          Arrays.copyOf(candidates.items, candidates.size),
          Arrays.copyOf(candidates.categories, candidates.size),
          explain);
    } catch (JsonParseException e) {
      throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage(), null);
    } catch (IOException e) {
      // The body is already in memory; only a parse problem can surface here.
      throw ApiException.badRequest("malformed JSON: " + e.getMessage(), null);
    }
  }

  /** Growable parallel id arrays of the candidates read so far. */
  private static final class CandidateIds {
    long[] items = new long[128];
    long[] categories = new long[128];
    int size;

    void add(long item, long category) {
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
        categories = Arrays.copyOf(categories, size * 2);
      }
      items[size] = item;
      categories[size] = category;
      size++;
    }
  }

  private CandidateIds readCandidates(JsonParser p, JsonToken token, long maxId)
      throws IOException {
    if (token != JsonToken.START_ARRAY) {
      throw ApiException.badRequest(
          "candidates must be an array of {item_id, category_id} objects", "candidates");
    }
    CandidateIds out = new CandidateIds();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      int index = out.size;
      if (index >= limits.maxCandidates()) {
        throw ApiException.badRequest(
            "too many candidates: at most " + limits.maxCandidates() + " per request",
            "candidates");
      }
      readCandidate(p, t, index, out, maxId);
    }
    if (out.size == 0) {
      throw ApiException.badRequest("candidates must hold at least one candidate", "candidates");
    }
    return out;
  }

  /**
   * Reads candidate {@code index} into {@code out}. Field paths ({@code candidates[3].item_id}) are
   * only built for an error message, never on the happy path.
   */
  private static void readCandidate(
      JsonParser p, JsonToken token, int index, CandidateIds out, long maxId) throws IOException {
    if (token != JsonToken.START_OBJECT) {
      String path = path(index, null);
      throw ApiException.badRequest(path + " must be an object {item_id, category_id}", path);
    }
    long item = -1;
    long category = -1;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "item_id" -> item = readId(p, value, index, "item_id", maxId);
        case "category_id" -> category = readId(p, value, index, "category_id", maxId);
        default -> p.skipChildren();
      }
    }
    if (item < 0) {
      String field = path(index, "item_id");
      throw ApiException.badRequest(field + " is required", field);
    }
    if (category < 0) {
      String field = path(index, "category_id");
      throw ApiException.badRequest(field + " is required", field);
    }
    out.add(item, category);
  }

  /** {@code candidates[index]} or {@code candidates[index].field}. */
  private static String path(int index, String field) {
    String c = "candidates[" + index + "]";
    return field == null ? c : c + "." + field;
  }

  private static long readId(JsonParser p, JsonToken token, int index, String field, long maxId)
      throws IOException {
    if (token == JsonToken.VALUE_NUMBER_INT
        && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      long v = p.getLongValue();
      if (v >= 0 && v <= maxId) {
        return v;
      }
    }
    return readId(p, token, path(index, field), maxId); // not a valid id: the checks with messages
  }

  private static long readId(JsonParser p, JsonToken token, String field, long maxId)
      throws IOException {
    if (token != JsonToken.VALUE_NUMBER_INT) {
      throw ApiException.badRequest(
          field + " must be a non-negative integer, got " + describe(token), field);
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw ApiException.badRequest(field + " is out of range (64-bit)", field);
    }
    long v = p.getLongValue();
    if (v < 0) {
      throw ApiException.badRequest(field + " must be >= 0, got " + v, field);
    }
    if (v > maxId) {
      // The feed and the trainer refuse such ids (ID_OUT_OF_RANGE): nothing could be known of it.
      throw ApiException.badRequest(
          field
              + " "
              + v
              + " is above the largest accepted id "
              + maxId
              + " ("
              + EventPolicy.MAX_ID_KEY
              + ")",
          field);
    }
    return v;
  }

  private static boolean readBoolean(JsonToken token, String field) {
    return switch (token) {
      case VALUE_TRUE -> true;
      case VALUE_FALSE, VALUE_NULL -> false;
      default ->
          throw ApiException.badRequest(
              field + " must be a boolean, got " + describe(token), field);
    };
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_FLOAT -> "a fractional number";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      default -> token.toString();
    };
  }
}
