package io.darestream.state.io;

import io.darestream.state.codec.CorruptDataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small text file that starts with {@code <FORMAT-NAME> <version>} and ends with {@code sha256
 * <hex of everything before>}: human-readable, yet any flipped byte is detected. Used for the
 * checkpoint file lists and the snapshot manifest.
 */
public final class ChecksummedText {
  private static final String TRAILER = "sha256 ";

  /**
   * Largest file {@link #read} accepts (64 MiB): a manifest or file list of the biggest store is a
   * few MB; a larger file is not one of these, and reading it whole could exhaust the heap.
   */
  public static final long MAX_BYTES = 64L << 20;

  private ChecksummedText() {}

  /** The content of such a file for {@code body} (which should end with a newline). */
  public static byte[] render(String formatName, int version, String body) {
    String head = formatName + " " + version + "\n" + body;
    byte[] headBytes = head.getBytes(StandardCharsets.UTF_8);
    String trailer = TRAILER + Fs.sha256(headBytes, 0, headBytes.length) + "\n";
    return (head + trailer).getBytes(StandardCharsets.UTF_8);
  }

  /** A verified file: its format version and body. */
  public record Content(int version, String body) {}

  /**
   * Reads and verifies a file written by {@link #render}.
   *
   * @throws CorruptDataException if the file is over {@link #MAX_BYTES}, or the name, the checksum
   *     or the layout is wrong (the version is returned, not checked: callers decide which versions
   *     they read)
   */
  public static Content read(Path file, String formatName) throws IOException {
    return parse(readBounded(file, formatName), formatName, file.toString());
  }

  /**
   * The bytes of a file of at most {@link #MAX_BYTES}; {@code formatName} names it in the error.
   *
   * @throws CorruptDataException if the file is larger
   */
  public static byte[] readBounded(Path file, String formatName) throws IOException {
    long size = Files.size(file);
    if (size > MAX_BYTES) {
      throw new CorruptDataException(
          String.format(
              "%s: %d bytes, more than any %s file (at most %d)",
              file, size, formatName, MAX_BYTES));
    }
    return Files.readAllBytes(file);
  }

  /** Verifies {@code bytes} as {@link #read} does; {@code where} names them in errors. */
  public static Content parse(byte[] bytes, String formatName, String where) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int trailerAt = text.lastIndexOf("\n" + TRAILER);
    if (trailerAt < 0 || !text.endsWith("\n")) {
      throw new CorruptDataException(where + ": no checksum trailer (truncated?)");
    }
    byte[] head = text.substring(0, trailerAt + 1).getBytes(StandardCharsets.UTF_8);
    String expected = text.substring(trailerAt + 1 + TRAILER.length(), text.length() - 1);
    String actual = Fs.sha256(head, 0, head.length);
    if (!actual.equals(expected)) {
      throw new CorruptDataException(where + ": checksum mismatch");
    }
    int firstNewline = text.indexOf('\n');
    String[] first = text.substring(0, firstNewline).split(" ");
    if (first.length != 2 || !first[0].equals(formatName)) {
      throw new CorruptDataException(where + ": not a " + formatName + " file");
    }
    int version;
    try {
      version = Integer.parseInt(first[1]);
    } catch (NumberFormatException e) {
      throw new CorruptDataException(where + ": bad version '" + first[1] + "'", e);
    }
    return new Content(version, text.substring(firstNewline + 1, trailerAt + 1));
  }
}
