"""Helpers for the tests: leak scanning, raw vault access, the kill -9 tests' forking helper
and its vault writer, an app served on a loopback port."""
