"""The full-run fixtures (full_run_2018, full_run_2023) live in tests/conftest.py."""
