"""Test helpers: factories, fake services, the stack and browser fixtures (loaded by tests/conftest.py)."""
