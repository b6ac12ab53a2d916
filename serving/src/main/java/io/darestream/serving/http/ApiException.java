package io.darestream.serving.http;

/**
 * A client error with the HTTP status to answer, a message meant for the caller and, where one
 * input field is at fault, its path (e.g. {@code candidates[3].item_id}). Never carries a cause:
 * nothing internal reaches the client.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String field;

  public ApiException(int status, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  public static ApiException badRequest(String message, String field) {
    return new ApiException(400, message, field);
  }

  public int status() {
    return status;
  }

  /** The offending field's path, or null when the request as a whole is at fault. */
  public String field() {
    return field;
  }
}
