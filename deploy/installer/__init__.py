"""deploy/install's parts: standard library only, they run on a bare server before any virtualenv.

layout.py names every path and setting of an install; preflight.py refuses
before anything changes; units.py runs systemd's units (or, where systemd is
not PID 1, their own command lines); steps.py installs and upgrades;
doctor.py is `deploy/install --check`.
"""
