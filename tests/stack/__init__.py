"""The stack tier: the real nginx + gunicorn from deploy/ on loopback, the benchmark's smoke run, the installer."""
