"""Screening tool definitions: schema, loader and scorer (pure; no I/O beyond reading JSON).

Empty until the screening-tool issue; the package exists so the layout of DESIGN.md §1 holds.
"""
