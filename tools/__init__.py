"""Developer tools that the tests, the benchmark and (later) `make stack` drive; nothing a real install runs."""
