package io.darestream.serving.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.darestream.serving.scoring.Candidate;
import io.darestream.serving.scoring.ScoreRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScoreRequestParserTest {
  private final ScoreRequestParser parser = new ScoreRequestParser(new RequestLimits(4096, 3));

  private ScoreRequest parse(String json) {
    return parser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private ApiException refused(String json) {
    return catchThrowableOfType(ApiException.class, () -> parse(json));
  }

  @Test
  void parsesAFullRequestAndSkipsUnknownFields() {
    ScoreRequest r =
        parse(
            "{\"user_id\": 7, \"trace\": {\"a\": [1, 2]}, \"candidates\": [{\"item_id\": 1,"
                + " \"category_id\": 2, \"x\": null}, {\"item_id\": 3, \"category_id\": 4}],"
                + " \"explain\": true}");

    assertThat(r.userId()).isEqualTo(7);
    assertThat(r.candidates()).containsExactly(new Candidate(1, 2), new Candidate(3, 4));
    assertThat(r.explain()).isTrue();
  }

  @Test
  void explainDefaultsToFalse() {
    assertThat(
            parse("{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}]}").explain())
        .isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "missing user|{\"candidates\":[{\"item_id\":1,\"category_id\":1}]}|user_id|user_id is required",
        "missing candidates|{\"user_id\":1}|candidates|candidates is required",
        "string user|{\"user_id\":\"1\",\"candidates\":[]}|user_id|got a string",
        "float user|{\"user_id\":1.5,\"candidates\":[]}|user_id|got a fractional number",
        "negative user|{\"user_id\":-1,\"candidates\":[]}|user_id|must be >= 0",
        "huge user|{\"user_id\":123456789012345678901234,\"candidates\":[]}|user_id|out of range",
        "user above max id|{\"user_id\":9007199254740992,\"candidates\":[]}|user_id|above the largest accepted id 9007199254740991 (dare.ingest.max-id)",
        "item above max id|{\"user_id\":1,\"candidates\":[{\"item_id\":9223372036854775807,\"category_id\":1}]}|candidates[0].item_id|above the largest accepted id",
        "category above max id|{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":9007199254740992}]}|candidates[0].category_id|above the largest accepted id",
        "candidates not array|{\"user_id\":1,\"candidates\":{}}|candidates|must be an array",
        "empty candidates|{\"user_id\":1,\"candidates\":[]}|candidates|at least one",
        "too many|{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1},{\"item_id\":1,\"category_id\":1},{\"item_id\":1,\"category_id\":1},{\"item_id\":1,\"category_id\":1}]}|candidates|at most 3",
        "candidate not object|{\"user_id\":1,\"candidates\":[5]}|candidates[0]|must be an object",
        "negative item|{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1},{\"item_id\":-4,\"category_id\":1}]}|candidates[1].item_id|must be >= 0",
        "missing category|{\"user_id\":1,\"candidates\":[{\"item_id\":1}]}|candidates[0].category_id|is required",
        "explain not bool|{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}],\"explain\":\"yes\"}|explain|must be a boolean",
      })
  void refusesBadFieldsNamingThem(String name, String json, String field, String message) {
    ApiException e = refused(json);

    assertThat(e.status()).isEqualTo(400);
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.getMessage()).contains(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"user_id\": 1,",
        "not json",
        "[1, 2]",
        "{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}]} {}",
      })
  void refusesMalformedBodiesWithoutAField(String json) {
    ApiException e = refused(json);

    assertThat(e.status()).isEqualTo(400);
    assertThat(e.field()).isNull();
  }

  @Test
  void aFieldGivenTwiceIsRefusedNotReadOneWayOrTheOther() {
    ApiException user =
        refused("{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}],\"user_id\":2}");
    assertThat(user.status()).isEqualTo(400);
    assertThat(user.getMessage()).isEqualTo("malformed JSON: Duplicate field 'user_id'");
    assertThat(
            refused(
                    "{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"item_id\":5,"
                        + "\"category_id\":1}]}")
                .getMessage())
        .isEqualTo("malformed JSON: Duplicate field 'item_id'");
  }

  @Test
  void acceptsIdsUpToTheConfiguredMaxIdAndRefusesTheNext() {
    ScoreRequestParser small = new ScoreRequestParser(new RequestLimits(4096, 3, 1_000));

    ScoreRequest ok =
        small.parse(
            "{\"user_id\":1000,\"candidates\":[{\"item_id\":1000,\"category_id\":1000}]}"
                .getBytes(StandardCharsets.UTF_8));
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                small.parse(
                    "{\"user_id\":1,\"candidates\":[{\"item_id\":1001,\"category_id\":1}]}"
                        .getBytes(StandardCharsets.UTF_8)));

    assertThat(ok.userId()).isEqualTo(1_000);
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.field()).isEqualTo("candidates[0].item_id");
    assertThat(e.getMessage())
        .isEqualTo(
            "candidates[0].item_id 1001 is above the largest accepted id 1000 (dare.ingest.max-id)");
  }

  @Test
  void refusesAnEmptyBody() {
    assertThat(catchThrowableOfType(ApiException.class, () -> parser.parse(new byte[0])))
        .hasMessageContaining("empty");
  }
}
