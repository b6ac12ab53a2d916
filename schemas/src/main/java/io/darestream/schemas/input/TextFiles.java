package io.darestream.schemas.input;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens input files as buffered UTF-8 text, transparently gunzipping {@code *.gz}. */
final class TextFiles {
  /** Large buffer: the inputs are multi-GB sequential scans. */
  static final int BUFFER_CHARS = 1 << 16;

  private TextFiles() {}

  static BufferedReader open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("Input file not found: " + file);
    }
    InputStream in = Files.newInputStream(file);
    if (file.getFileName().toString().endsWith(".gz")) {
      in = new GZIPInputStream(in, BUFFER_CHARS);
    }
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), BUFFER_CHARS);
  }
}
