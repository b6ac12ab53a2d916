package io.darestream.model.sampling;

/** An item drawn by the {@link NegativeSampler}, with its category. */
public record SampledItem(long item, long category) {}
