"""What the benchmarks share: the phone load generator, the baseline servers and the results."""
