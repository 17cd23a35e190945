"""Attacks on the transport, the event table and the limits."""
