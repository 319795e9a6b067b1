"""Load and scale benchmarks of the real stack (bench/run.py); not part of the test run.

A package so that the stack tests can share its launcher (bench/localstack.py).
"""
