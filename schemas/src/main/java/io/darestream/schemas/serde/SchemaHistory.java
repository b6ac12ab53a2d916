package io.darestream.schemas.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Every schema version of the project's records that was ever released, shipped on the classpath
 * under {@code io/darestream/schemas/history/}. A codec registers them all as writer schemas, so
 * data written by any older release stays readable after a schema change.
 *
 * <p>When a schema changes: copy the old {@code .avsc} to {@code history/<Name>-v<N>.avsc} and add
 * its file name to {@code history/INDEX}.
 */
public final class SchemaHistory {
  private static final String ROOT = "io/darestream/schemas/history/";

  private SchemaHistory() {}

  /** All historic schemas whose full name is {@code fullName}. */
  public static List<Schema> forRecord(String fullName) {
    List<Schema> result = new ArrayList<>();
    for (String file : index()) {
      Schema s = load(file);
      if (s.getFullName().equals(fullName)) {
        result.add(s);
      }
    }
    return result;
  }

  /** A short description of the fingerprints a reader of {@code schema} knows, for errors. */
  static String describe(Schema schema) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%016x", SchemaNormalization.parsingFingerprint64(schema)));
    for (Schema s : forRecord(schema.getFullName())) {
      sb.append(", ").append(String.format("%016x", SchemaNormalization.parsingFingerprint64(s)));
    }
    return sb.toString();
  }

  private static List<String> index() {
    try (InputStream in = resource("INDEX")) {
      if (in == null) {
        return List.of();
      }
      List<String> files = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String trimmed = line.trim();
        if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
          files.add(trimmed);
        }
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read schema history index", e);
    }
  }

  private static Schema load(String file) {
    try (InputStream in = resource(file)) {
      if (in == null) {
        throw new IllegalStateException("Schema history names " + file + " but it is missing");
      }
      // A parser per file: the history holds several versions of the same names.
      Schema.Parser parser = new Schema.Parser();
      return parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read historic schema " + file, e);
    }
  }

  private static InputStream resource(String name) {
    return SchemaHistory.class.getClassLoader().getResourceAsStream(ROOT + name);
  }
}
