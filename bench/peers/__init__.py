"""Peer implementations the benchmarks compare the project against."""
