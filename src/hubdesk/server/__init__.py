"""The hub's central service (FastAPI). Built by the hub service issue; imports no Qt."""
