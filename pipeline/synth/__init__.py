"""Synthetic-data generator of the default wave (reads published values to calibrate)."""
