"""`make test-cluster`: a PostgreSQL primary and a streaming replica, two app nodes and two task workers,
all on loopback, and the checks of issue 11 against them (see cluster/__main__.py and docs/deploy.md)."""
