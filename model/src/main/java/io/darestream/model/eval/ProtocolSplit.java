package io.darestream.model.eval;

import io.darestream.model.TrainingSample;
import java.util.List;

/**
 * Samples of the DARE evaluation protocol.
 *
 * @param train up to 19 targets per user before validation, each with its negatives
 * @param validation the second-to-last behaviour per user, with its negatives
 * @param test the last behaviour per user, with its negatives
 * @param users users kept (at least L + 10 behaviours)
 */
public record ProtocolSplit(
    List<TrainingSample> train,
    List<TrainingSample> validation,
    List<TrainingSample> test,
    int users) {}
