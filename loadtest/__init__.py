"""A bounded load test of the production server on loopback: `python -m loadtest.run`."""
