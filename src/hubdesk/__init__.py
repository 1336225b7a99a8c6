"""HubDesk: the Exploitation Hub practitioner's offline-first desktop app."""

__version__ = "0.1.0"
