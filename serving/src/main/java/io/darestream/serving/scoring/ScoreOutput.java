package io.darestream.serving.scoring;

import java.util.List;

/** What a model computes for one request: scores and, if asked, the search picks per candidate. */
public record ScoreOutput(float[] scores, List<List<RetrievedBehavior>> retrieved) {}
