"""Verification of a return: structure, signatures, recomputed values, rule checks, findings."""
