"""The fault suite: a real worker and beat on PostgreSQL and Redis, provisioning into
scim2-servers behind a fault-injecting proxy of our own, with faults injected (a worker
SIGKILLed mid-batch, the broker restarted empty, vendor faults, credentials rejected then
fixed, a slow app beside a fast one, two organizations at once).

`make faults` runs the full version; `make faults FAULTS_ARGS=--short` (and
tests/test_fault_suite.py, inside `make test`) the short one. See `python -m bench.faults -h`.

The proxy (proxy.py) needs nothing but the standard library: it runs as a plain process.
"""
