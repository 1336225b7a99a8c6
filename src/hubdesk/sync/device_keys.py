"""A device's own key pair and the certificate request it sends the hub at enrolment.

Shared by the desktop (which makes the key and keeps it inside the vault) and the hub's tests;
the hub's CA takes only the public key from the request and sets everything else itself.
"""

from __future__ import annotations

import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hubdesk.errors import HubDeskError

URN_UUID = "urn:uuid:"


class DeviceKeyError(HubDeskError):
    """A certificate request could not be made."""


def new_device_key() -> ec.EllipticCurvePrivateKey:
    """A new ECDSA P-256 key for a device."""
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    """The key as unencrypted PKCS#8 PEM: it is only ever stored inside the encrypted vault."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def make_csr(private_key: ec.EllipticCurvePrivateKey, device_id: str, username: str) -> bytes:
    """A PEM certificate request for a device, signed with its key.

    The request names the username and device, but the CA sets the certificate's contents
    from its own records; only the key is taken from the request.
    """
    try:
        device = str(uuid.UUID(device_id))
    except (ValueError, TypeError, AttributeError):
        raise DeviceKeyError("The device id is not a valid UUID.") from None
    user = username.strip()
    if not user:
        raise DeviceKeyError("The username cannot be empty.")
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, device),
                    x509.NameAttribute(NameOID.USER_ID, user),
                ]
            )
        )
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(URN_UUID + device)]),
            critical=False,
        )
        .sign(private_key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM)
