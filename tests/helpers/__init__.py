"""Helpers for the store tests: leak scanning, raw vault access and the kill -9 child writer."""
