"""What a real install uses (nginx site, gunicorn config, systemd units), and localstack.py to run them on loopback.

A package only so that the stack tests and the benchmark can share the
launcher; render.py stays runnable by path on a bare server.
"""
