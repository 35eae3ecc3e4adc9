"""Fuzzing campaigns over the functions that read outside files (make fuzz)."""
