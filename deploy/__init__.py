"""What a real install uses: the installer, the nginx site, the gunicorn config, systemd units and timers.

A package so that the installer's modules and the tests can import render.py
and installer/; render.py stays runnable by path on a bare server. The same
stack on loopback, for the tests and the benchmark, is tools/localstack.py.
"""
