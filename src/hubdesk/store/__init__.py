"""The vault: key wrapping, the SQLCipher engine, migrations, the audit chain, full-text search."""
