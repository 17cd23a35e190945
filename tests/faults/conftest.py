"""Fault tests run on the local cluster (tests/cluster.py)."""

from ..cluster import cluster, cluster_topology  # noqa: F401  (fixtures)
