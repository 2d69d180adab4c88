"""Benchmarks of Mobility Coach: programs, not tests. `make bench` runs them all.

Every speed figure is a ratio against a floor measured in the same run, because the machine is
small, shared and noisy; absolute numbers are printed for context only.
"""
