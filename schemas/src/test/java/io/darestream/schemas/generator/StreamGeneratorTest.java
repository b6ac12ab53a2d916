package io.darestream.schemas.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StreamGeneratorTest {
  private static GeneratorConfig.Builder small() {
    return GeneratorConfig.builder().setUsers(30).setItems(3_000).setBehaviorsPerUser(100);
  }

  private static List<BehaviorEvent> all(StreamGenerator generator) {
    List<BehaviorEvent> events = new ArrayList<>();
    generator.events().forEachRemaining(events::add);
    return events;
  }

  @Test
  void sameSeedGivesTheSameStreamAndAnotherSeedAnotherOne() {
    List<BehaviorEvent> first = all(new StreamGenerator(small().optSeed(7).build()));
    List<BehaviorEvent> again = all(new StreamGenerator(small().optSeed(7).build()));
    List<BehaviorEvent> other = all(new StreamGenerator(small().optSeed(8).build()));

    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
    StreamGenerator generator = new StreamGenerator(small().optSeed(7).build());
    assertThat(all(generator)).isEqualTo(all(generator)); // events() restarts from the beginning
  }

  @Test
  void clickOnlyCountsMatchTheFlags() {
    GeneratorConfig config = small().optMode(GeneratorMode.CLICK_ONLY).build();
    List<BehaviorEvent> events = all(new StreamGenerator(config));

    assertThat(events).hasSize(30 * 100);
    assertThat(events).allMatch(e -> e.getType() == BehaviorType.CLICK && e.getRequestId() == null);
    Map<Long, Integer> perUser = new HashMap<>();
    events.forEach(e -> perUser.merge(e.getUserId(), 1, Integer::sum));
    assertThat(perUser).hasSize(30);
    assertThat(perUser.values()).containsOnly(100);
    assertThat(events)
        .allMatch(e -> e.getItemId() >= 1 && e.getItemId() <= 3_000)
        .allMatch(e -> e.getCategoryId() >= 1 && e.getCategoryId() <= 100);
  }

  @Test
  void impressionCountsMatchAndEveryLabelClickFollowsItsImpression() {
    GeneratorConfig config = small().optImpressionsPerUser(40).build();
    List<BehaviorEvent> events = all(new StreamGenerator(config));

    Map<String, BehaviorEvent> impressions = new HashMap<>();
    long organic = 0;
    List<BehaviorEvent> labelClicks = new ArrayList<>();
    for (BehaviorEvent e : events) {
      if (e.getType() == BehaviorType.IMPRESSION) {
        assertThat(impressions.put(e.getRequestId(), e)).as("unique request id").isNull();
      } else if (e.getRequestId() == null) {
        organic++;
      } else {
        labelClicks.add(e);
      }
    }
    assertThat(organic).isEqualTo(config.historyEvents()).isEqualTo(30 * 100);
    assertThat(impressions).hasSize(30 * 40);
    assertThat(labelClicks).isNotEmpty().hasSizeLessThan(impressions.size());
    for (BehaviorEvent click : labelClicks) {
      BehaviorEvent impression = impressions.get(click.getRequestId());
      assertThat(impression).isNotNull();
      assertThat(click.getUserId()).isEqualTo(impression.getUserId());
      assertThat(click.getItemId()).isEqualTo(impression.getItemId());
      assertThat(click.getEventTimeMs() - impression.getEventTimeMs()).isBetween(2_000L, 60_000L);
    }
  }

  @Test
  void eventsAreInGlobalTimeOrderWithUniqueIdsAndUsersInterleaved() {
    List<BehaviorEvent> events = all(new StreamGenerator(small().build()));

    Set<String> ids = new HashSet<>();
    long switches = 0;
    for (int i = 0; i < events.size(); i++) {
      assertThat(ids.add(events.get(i).getEventId())).as("unique id").isTrue();
      if (i > 0) {
        assertThat(events.get(i).getEventTimeMs())
            .isGreaterThanOrEqualTo(events.get(i - 1).getEventTimeMs());
        if (events.get(i).getUserId() != events.get(i - 1).getUserId()) {
          switches++;
        }
      }
    }
    assertThat(switches).as("users interleave").isGreaterThan(events.size() / 2);
    long first = events.get(0).getEventTimeMs();
    long last = events.get(events.size() - 1).getEventTimeMs();
    assertThat(first).isGreaterThanOrEqualTo(GeneratorConfig.DEFAULT_START_TIME_MS);
    assertThat(last - first).isGreaterThan(GeneratorConfig.DEFAULT_SPAN_MS / 2);
  }

  @Test
  void oneUsersEventsAloneEqualTheirEventsInTheMergedStream() {
    StreamGenerator generator = new StreamGenerator(small().build());
    List<BehaviorEvent> fromMerged =
        all(generator).stream().filter(e -> e.getUserId() == 17).toList();
    List<BehaviorEvent> alone = new ArrayList<>();
    generator.eventsOf(17).forEachRemaining(alone::add);

    assertThat(alone).isEqualTo(fromMerged);
  }

  @Test
  void streamsWithoutHoldingTheWholeStream() {
    // 2,000 users x 10,000 behaviours = 20M events: only a prefix is pulled, quickly.
    GeneratorConfig config =
        GeneratorConfig.builder()
            .setUsers(2_000)
            .setItems(100_000)
            .setBehaviorsPerUser(GeneratorConfig.MAX_BEHAVIORS_PER_USER)
            .build();
    Iterator<BehaviorEvent> events = new StreamGenerator(config).events();
    for (int i = 0; i < 10_000; i++) {
      assertThat(events.next()).isNotNull();
    }
    assertThat(events.hasNext()).isTrue();
  }
}
