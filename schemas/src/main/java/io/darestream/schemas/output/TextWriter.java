package io.darestream.schemas.output;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Base of the line writers: buffered UTF-8, gzip for {@code *.gz}, checked-to-unchecked IO. */
abstract class TextWriter implements EventWriter {
  protected final Writer out;
  private final String target;
  private long written;

  protected TextWriter(Writer out, String target) {
    this.out = out;
    this.target = target;
  }

  static Writer openFile(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    OutputStream os = Files.newOutputStream(file);
    if (file.getFileName().toString().endsWith(".gz")) {
      os = new GZIPOutputStream(os, 1 << 16);
    }
    return new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
  }

  protected void counted() {
    written++;
  }

  protected UncheckedIOException failure(IOException e) {
    return new UncheckedIOException("Cannot write " + target, e);
  }

  @Override
  public long written() {
    return written;
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw failure(e);
    }
  }
}
