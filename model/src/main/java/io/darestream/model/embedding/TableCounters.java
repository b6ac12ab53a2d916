package io.darestream.model.embedding;

/**
 * Life-cycle counters of one embedding table.
 *
 * @param admitted rows materialised since start (passed admission)
 * @param expired rows dropped by expiry since start
 * @param live rows held now
 * @param pendingAdmission ids seen but not yet admitted
 */
public record TableCounters(long admitted, long expired, int live, int pendingAdmission) {}
