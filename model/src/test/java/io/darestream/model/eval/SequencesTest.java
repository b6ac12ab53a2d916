package io.darestream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The evaluation's behaviour sequences hold what the job's sequences hold. */
class SequencesTest {

  @Test
  void impressionsAreNotBehavioursClicksAre() {
    StreamGenerator gen =
        new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(20)
                .setItems(300)
                .setBehaviorsPerUser(40)
                .optMode(GeneratorMode.IMPRESSIONS)
                .build());
    Map<Long, List<Long>> behaviours = new HashMap<>();
    int impressions = 0;
    for (var it = gen.events(); it.hasNext(); ) {
      BehaviorEvent e = it.next();
      if (e.getType() == BehaviorType.IMPRESSION) {
        impressions++;
      } else {
        behaviours.computeIfAbsent(e.getUserId(), u -> new ArrayList<>()).add(e.getItemId());
      }
    }
    assertThat(impressions).as("the stream has impressions to leave out").isPositive();

    List<UserSequence> users = Sequences.group(gen.events());

    assertThat(users).hasSize(behaviours.size());
    for (UserSequence u : users) {
      assertThat(Arrays.stream(u.items()).boxed().toList())
          .containsExactlyElementsOf(behaviours.get(u.userId()));
    }
  }
}
