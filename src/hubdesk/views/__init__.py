"""Qt widgets and item models, one screen a file; no SQL, no HTTP, no crypto here."""
