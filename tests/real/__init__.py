"""The real-data tier: a real-sized generated blog, and other projects' test files when ESCRIBE_REAL_FIXTURES is set."""
