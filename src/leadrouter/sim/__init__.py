"""Synthetic agencies and leads, for benchmarks, concurrency tests and simulations."""
