"""Test helpers that are real parts: a replay server standing in for the API."""
