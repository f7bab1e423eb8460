"""Benchmarks: `make bench` prints figures. Tests never assert on time."""
