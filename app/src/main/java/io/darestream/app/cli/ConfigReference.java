package io.darestream.app.cli;

import io.darestream.jobs.config.KnownKeys;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.util.TimeUtils;

/**
 * The configuration reference of README.md, generated from the {@code ConfigOption} constants of
 * the job's {@code *Options} classes (a test keeps the README equal to it). Print it with {@code
 * java -cp app/target/dare-stream.jar io.darestream.app.cli.ConfigReference}.
 */
public final class ConfigReference {
  private static final HtmlFormatter FORMATTER = new HtmlFormatter();

  private ConfigReference() {}

  public static void main(String[] args) {
    System.out.print(markdown());
  }

  /** One table per options class: key, default, description. */
  public static String markdown() {
    StringBuilder b = new StringBuilder();
    for (Class<?> c : KnownKeys.OPTION_CLASSES) {
      b.append("\n`").append(c.getSimpleName()).append("`\n\n");
      b.append("| key | default | description |\n|---|---|---|\n");
      for (ConfigOption<?> o : options(c)) {
        b.append("| `")
            .append(o.key())
            .append("` | ")
            .append(defaultText(o))
            .append(" | ")
            .append(FORMATTER.format(o.description()).replace("|", "\\|").replace("\n", " "))
            .append(" |\n");
      }
    }
    return b.toString();
  }

  static List<ConfigOption<?>> options(Class<?> c) {
    return KnownKeys.options(c);
  }

  private static String defaultText(ConfigOption<?> o) {
    if (!o.hasDefaultValue()) {
      return "(none)";
    }
    Object v = o.defaultValue();
    String text = v instanceof Duration d ? TimeUtils.formatWithHighestUnit(d) : String.valueOf(v);
    return "`" + text + "`";
  }
}
