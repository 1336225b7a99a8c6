"""Screening tool definitions: their shape (``definition``), checks, loading and scoring —
pure, with no I/O beyond reading JSON. The Qt form generated from a definition lives in
``views/``; screenings themselves are records in ``models/screening.py``.
"""
