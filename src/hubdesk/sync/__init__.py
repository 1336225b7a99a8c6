"""Sync with the hub: wire types shared with the server, and the Qt-free client engine.

Empty until the sync issue; every record already carries its sync fields (models.base.Record).
"""
