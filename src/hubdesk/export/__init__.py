"""Signed PDF plans: layout, signing and verification.

Empty until the signed-plans issue. The JSON subject access export lives in
hubdesk.services.export, because it is a use case over the vault, not a document format.
"""
