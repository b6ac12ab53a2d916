package io.darestream.serving.scoring;

import java.util.Map;

/**
 * What {@code GET /v1/model} reports about the model being served.
 *
 * @param modelId the trainer's model id
 * @param position epoch and version of the newest applied delta (or of the snapshot)
 * @param rowsPerTable rows held per table, by table name
 * @param snapshot the directory of the snapshot the model was bootstrapped from
 * @param appliedDeltas delta records applied since that snapshot
 * @param freshnessLagMs apply time minus the oldest ingest time of the last applied delta, or -1
 * @param lastDeltaAgeMs time since the last delta was applied, or -1 if none was
 */
public record ModelStatus(
    String modelId,
    ModelVersion position,
    Map<String, Long> rowsPerTable,
    String snapshot,
    long appliedDeltas,
    long freshnessLagMs,
    long lastDeltaAgeMs) {
  public ModelStatus {
    rowsPerTable = Map.copyOf(rowsPerTable);
  }
}
