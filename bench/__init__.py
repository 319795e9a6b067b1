"""Load and scale benchmarks of the real stack (bench/run.py); the tests never import it."""
