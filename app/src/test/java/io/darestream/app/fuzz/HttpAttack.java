package io.darestream.app.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The malformed, slow and oversized requests a hostile or broken client sends to serving, each with
 * the answer serving documents for it (serving README, "Errors"). {@link #ANY_4XX}: Jetty answers
 * before any handler runs, and any 4xx with a JSON error is right.
 */
enum HttpAttack {
  MALFORMED_JSON(400),
  WRONG_TYPES(400),
  NAN_LIKE_NUMBERS(400),
  IDS_OUT_OF_RANGE(400),
  MISSING_FIELDS(400),
  DEEP_NESTING(400),
  TOO_MANY_CANDIDATES(400),
  WRONG_METHOD(405),
  WRONG_CONTENT_TYPE(415),
  UNKNOWN_PATH(404),
  HUGE_BODY(413),
  HALF_SENT_BODY(408),
  HEADER_FLOOD(431),
  BAD_REQUEST_LINE(HttpAttack.ANY_4XX);

  static final int ANY_4XX = 0;
  static final String SCORE = "/v1/score";
  private static final String ONE = "[{\"item_id\":1,\"category_id\":1}]";

  private final int expectedStatus;

  HttpAttack(int expectedStatus) {
    this.expectedStatus = expectedStatus;
  }

  /** Whether {@code status} is the documented answer. */
  boolean expects(int status) {
    return expectedStatus == ANY_4XX ? status >= 400 && status < 500 : status == expectedStatus;
  }

  String expected() {
    return expectedStatus == ANY_4XX ? "4xx" : Integer.toString(expectedStatus);
  }

  /** The raw bytes of one request of this kind; {@code maxBodyBytes} is serving's body limit. */
  byte[] request(Random r, int maxBodyBytes) {
    return switch (this) {
      case MALFORMED_JSON -> {
        String[] bodies = {
          "{\"user_id\": 1, \"candidates\": [",
          "not json",
          "[1, 2]",
          "{\"user_id\":1,\"candidates\":" + ONE + "} {}",
          "{\"user_id\":1,,\"candidates\":" + ONE + "}",
          "{'user_id':1}",
        };
        if (r.nextInt(7) == 0) {
          byte[] junk = new byte[1 + r.nextInt(200)];
          r.nextBytes(junk);
          junk[0] = '{';
          yield RawHttp.request("POST", SCORE, "application/json", junk);
        }
        yield RawHttp.postJson(SCORE, pick(r, bodies));
      }
      case WRONG_TYPES ->
          RawHttp.postJson(
              SCORE,
              pick(
                  r,
                  "{\"user_id\":\"one\",\"candidates\":" + ONE + "}",
                  "{\"user_id\":1,\"candidates\":{}}",
                  "{\"user_id\":true,\"candidates\":" + ONE + "}",
                  "{\"user_id\":1,\"candidates\":[5]}",
                  "{\"user_id\":1,\"candidates\":[{\"item_id\":\"1\",\"category_id\":1}]}",
                  "{\"user_id\":1,\"candidates\":" + ONE + ",\"explain\":\"yes\"}",
                  "{\"user_id\":[1],\"candidates\":" + ONE + "}"));
      case NAN_LIKE_NUMBERS -> {
        String n =
            pick(r, "NaN", "Infinity", "-Infinity", "1e400", "1.5", "\"NaN\"", "0x1F", "1e3");
        yield RawHttp.postJson(
            SCORE,
            r.nextBoolean()
                ? "{\"user_id\":" + n + ",\"candidates\":" + ONE + "}"
                : "{\"user_id\":1,\"candidates\":[{\"item_id\":" + n + ",\"category_id\":1}]}");
      }
      case IDS_OUT_OF_RANGE -> {
        String n =
            pick(
                r,
                "9007199254740992",
                "9223372036854775807",
                "123456789012345678901234",
                "-1",
                "-9223372036854775808");
        yield RawHttp.postJson(
            SCORE,
            switch (r.nextInt(3)) {
              case 0 -> "{\"user_id\":" + n + ",\"candidates\":" + ONE + "}";
              case 1 ->
                  "{\"user_id\":1,\"candidates\":[{\"item_id\":" + n + ",\"category_id\":1}]}";
              default ->
                  "{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":" + n + "}]}";
            });
      }
      case MISSING_FIELDS ->
          RawHttp.postJson(
              SCORE,
              pick(
                  r,
                  "",
                  "{}",
                  "{\"user_id\":1}",
                  "{\"candidates\":" + ONE + "}",
                  "{\"user_id\":1,\"candidates\":[]}",
                  "{\"user_id\":1,\"candidates\":[{\"item_id\":1}]}"));
      case DEEP_NESTING -> {
        int depth = 100 + r.nextInt(5_000);
        yield RawHttp.postJson(
            SCORE,
            "{\"user_id\":1,\"x\":"
                + "[".repeat(depth)
                + "]".repeat(depth)
                + ",\"candidates\":"
                + ONE
                + "}");
      }
      case TOO_MANY_CANDIDATES ->
          RawHttp.postJson(
              SCORE,
              "{\"user_id\":1,\"candidates\":["
                  + IntStream.range(0, 1_001 + r.nextInt(50))
                      .mapToObj(i -> "{\"item_id\":" + i + ",\"category_id\":1}")
                      .collect(Collectors.joining(","))
                  + "]}");
      case WRONG_METHOD -> {
        String method = pick(r, "GET", "PUT", "DELETE", "PATCH");
        byte[] body =
            method.equals("GET")
                ? new byte[0]
                : ("{\"user_id\":1,\"candidates\":" + ONE + "}").getBytes(StandardCharsets.UTF_8);
        yield RawHttp.request(method, SCORE, "application/json", body);
      }
      case WRONG_CONTENT_TYPE ->
          RawHttp.request(
              "POST",
              SCORE,
              pick(r, "text/plain", "application/xml", "application/x-www-form-urlencoded"),
              ("{\"user_id\":1,\"candidates\":" + ONE + "}").getBytes(StandardCharsets.UTF_8));
      case UNKNOWN_PATH ->
          RawHttp.request(
              pick(r, "POST", "GET"),
              pick(r, "/v1/scores", "/admin", "/v2/score", "/v1/score/x"),
              "application/json",
              new byte[0]);
      case HUGE_BODY -> {
        int size = maxBodyBytes + 1 + r.nextInt(maxBodyBytes);
        String json =
            "{\"user_id\":1,\"pad\":\"" + "x".repeat(size) + "\",\"candidates\":" + ONE + "}";
        yield RawHttp.postJson(SCORE, json);
      }
      case HALF_SENT_BODY -> {
        // Declares a body and sends only its start, then waits: serving must answer 408 after its
        // body timeout without holding a scoring thread.
        String json = "{\"user_id\":1,\"candidates\":" + ONE + "}";
        byte[] full =
            RawHttp.request(
                "POST",
                SCORE,
                "application/json",
                (json + " ".repeat(1_000)).getBytes(StandardCharsets.UTF_8));
        int headEnd = new String(full, StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n") + 4;
        yield java.util.Arrays.copyOf(full, headEnd + r.nextInt(json.length()));
      }
      case HEADER_FLOOD -> {
        StringBuilder h = new StringBuilder("POST " + SCORE + " HTTP/1.1\r\nHost: localhost\r\n");
        int headers = 100 + r.nextInt(400);
        for (int i = 0; i < headers; i++) {
          h.append("X-Flood-").append(i).append(": ").append("v".repeat(100)).append("\r\n");
        }
        String body = "{\"user_id\":1,\"candidates\":" + ONE + "}";
        h.append("Content-Type: application/json\r\nConnection: close\r\nContent-Length: ")
            .append(body.length())
            .append("\r\n\r\n")
            .append(body);
        yield h.toString().getBytes(StandardCharsets.US_ASCII);
      }
      case BAD_REQUEST_LINE ->
          pick(
                  r,
                  "GET /v1/score\u0001 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                  "GET /../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                  "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n",
                  "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\nConnection: close\r\n\r\n",
                  "POST /v1/score HTTP/1.1\r\nBad Header Without Colon\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1);
    };
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... options) {
    return options[r.nextInt(options.length)];
  }
}
