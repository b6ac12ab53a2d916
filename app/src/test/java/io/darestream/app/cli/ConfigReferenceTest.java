package io.darestream.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README.md's configuration reference is the one generated from the option classes. */
class ConfigReferenceTest {
  private static final String BEGIN = "<!-- config-reference:begin -->\n";
  private static final String END = "<!-- config-reference:end -->";

  @Test
  void readmeListsEveryOptionAsTheCodeDefinesIt() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    int from = readme.indexOf(BEGIN);
    int to = readme.indexOf(END);
    assertThat(from).as("README has the reference markers").isNotNegative();
    assertThat(readme.substring(from + BEGIN.length(), to))
        .as(
            "regenerate with: java -cp app/target/dare-stream.jar %s",
            ConfigReference.class.getName())
        .isEqualTo(ConfigReference.markdown());
  }

  @Test
  void everyOptionsClassIsListed() {
    for (Class<?> c : io.darestream.jobs.config.KnownKeys.OPTION_CLASSES) {
      assertThat(ConfigReference.options(c)).as(c.getSimpleName()).isNotEmpty();
    }
  }
}
