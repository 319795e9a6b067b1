"""The fault tier: concurrency, killed workers and failing services against the real stack (marked stack)."""
