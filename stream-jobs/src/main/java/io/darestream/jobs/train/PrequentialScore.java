package io.darestream.jobs.train;

import java.util.Objects;

/**
 * The prediction the model made for a sample before training on it (prequential evaluation): the
 * trainer's main output, from which streaming AUC, GAUC and logloss are computed downstream too.
 *
 * <p>A Flink POJO (public no-arg constructor and fields), serialized by Flink's POJO serializer.
 */
public final class PrequentialScore {
  public long userId;
  public long itemId;
  public int label;
  public float prediction;
  public long eventTimeMs;
  public long modelVersion;

  public PrequentialScore() {}

  public PrequentialScore(
      long userId, long itemId, int label, float prediction, long eventTimeMs, long modelVersion) {
    this.userId = userId;
    this.itemId = itemId;
    this.label = label;
    this.prediction = prediction;
    this.eventTimeMs = eventTimeMs;
    this.modelVersion = modelVersion;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PrequentialScore s
        && s.userId == userId
        && s.itemId == itemId
        && s.label == label
        && Float.compare(s.prediction, prediction) == 0
        && s.eventTimeMs == eventTimeMs
        && s.modelVersion == modelVersion;
  }

  @Override
  public int hashCode() {
    return Objects.hash(userId, itemId, label, prediction, eventTimeMs, modelVersion);
  }

  @Override
  public String toString() {
    return "PrequentialScore{user="
        + userId
        + ", item="
        + itemId
        + ", label="
        + label
        + ", p="
        + prediction
        + ", v="
        + modelVersion
        + "}";
  }
}
