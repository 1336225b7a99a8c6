"""The organisation's certificate authority for the hub service.

Each organisation running a hub has one small certificate authority (CA). It issues a
certificate to every enrolled device, which the device uses to prove who it is to the hub
(TLS client authentication) and to sign documents such as PDFs.

The CA is an ECDSA P-256 key with a self-signed certificate, kept in a folder as ``ca.pem``
(the certificate, readable by anyone) and ``ca-key.pem`` (the key, readable only by its owner
and, where a passphrase is given, encrypted with it). An organisation's CA is never
overwritten: replacing it would cut off every device it has enrolled.

A device's certificate says what the CA decided, not what the device asked for: the name,
organisation, username and device id all come from the hub's own records; only the public key
is taken from the certificate request.

Every error is a :class:`CAError` with one plain sentence that never contains personal data.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from hubdesk.errors import HubDeskError
from hubdesk.sync.device_keys import URN_UUID, make_csr, new_device_key

__all__ = [
    "CERTIFICATE_FILE",
    "DOCUMENT_SIGNING",
    "KEY_FILE",
    "CAError",
    "OrganisationCA",
    "certificate_device_id",
    "create_ca",
    "load_ca",
    "make_csr",
    "new_device_key",
    "sign_device_csr",
    "verify_issued",
    "write_ca",
]

CERTIFICATE_FILE = "ca.pem"
KEY_FILE = "ca-key.pem"

#: id-kp-documentSigning (RFC 9336): the certificate may sign documents such as PDFs.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

#: Allowance for clocks on devices running a little behind the hub's.
CLOCK_SKEW = timedelta(minutes=5)

#: X.520 upper bound on a common name; longer names cannot go in a certificate.
_MAX_COMMON_NAME = 64
_CA_SUFFIX = " HubDesk CA"
_URN_UUID = URN_UUID


class CAError(HubDeskError):
    """The organisation's certificate authority could not do what was asked."""


@dataclass(frozen=True)
class OrganisationCA:
    """An organisation's CA as it is stored: the certificate and its key, both PEM.

    ``key_pem`` is PKCS #8; it is encrypted with the passphrase when one was given to
    :func:`create_ca`, and then the same passphrase is needed to sign with it.
    """

    certificate_pem: bytes
    key_pem: bytes

    def certificate(self) -> x509.Certificate:
        """The CA's certificate, parsed."""
        try:
            return x509.load_pem_x509_certificate(self.certificate_pem)
        except ValueError:
            raise CAError("The certificate authority's certificate could not be read.") from None


# --- Creating, writing and loading the CA ---------------------------------------------------


def create_ca(
    organisation: str,
    *,
    days: int = 3650,
    passphrase: bytes | None = None,
    now: datetime | None = None,
) -> OrganisationCA:
    """Make a new certificate authority for ``organisation``, valid for ``days`` days.

    The key is ECDSA P-256 and the certificate is self-signed with SHA-256. ``now`` is for
    tests; it defaults to the current time (a naive value is taken as UTC).
    """
    name = organisation.strip()
    if not name:
        raise CAError("The organisation needs a name before it can have a certificate authority.")
    if len(name) + len(_CA_SUFFIX) > _MAX_COMMON_NAME:
        limit = _MAX_COMMON_NAME - len(_CA_SUFFIX)
        raise CAError(
            f"The organisation's name is too long for a certificate; use at most {limit} "
            "characters."
        )
    _check_days(days)
    if passphrase is not None and not passphrase:
        raise CAError("The passphrase for the certificate authority key cannot be empty.")
    start = _utc(now)

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name + _CA_SUFFIX),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - CLOCK_SKEW)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase is not None
        else serialization.NoEncryption()
    )
    return OrganisationCA(
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ),
    )


def write_ca(ca: OrganisationCA, folder: Path) -> None:
    """Save ``ca`` in ``folder`` as ``ca.pem`` (mode 0644) and ``ca-key.pem`` (mode 0600).

    The folder is created with mode 0700 if it is missing. The key file is created already
    private, so it is never readable by others even for a moment. Nothing is overwritten: if
    either file is already there the organisation has a CA, and this refuses.
    """
    cert_path = folder / CERTIFICATE_FILE
    key_path = folder / KEY_FILE
    not_saved = CAError("The certificate authority could not be saved in that folder.")
    try:
        if not folder.is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir(mode=0o700)
            os.chmod(folder, 0o700)  # mkdir's mode is reduced by the umask
    except OSError:  # including a file where the folder should be
        raise not_saved from None
    try:
        if any(p.exists() or p.is_symlink() for p in (cert_path, key_path)):
            raise _already_there()
        # O_EXCL is the real guard against overwriting; the check above only saves work.
        _write_new(key_path, ca.key_pem, 0o600)
        try:
            _write_new(cert_path, ca.certificate_pem, 0o644)
        except BaseException:
            with contextlib.suppress(OSError):
                key_path.unlink()  # ours: made a moment ago, so nothing of the organisation's
            raise
        _sync_folder(folder)
    except FileExistsError:
        raise _already_there() from None
    except OSError:
        raise not_saved from None


def load_ca(folder: Path, passphrase: bytes | None = None) -> OrganisationCA:
    """Read the CA saved in ``folder`` and check that it is whole and opens.

    The key is decrypted with ``passphrase`` to check it, and must belong to the certificate;
    the returned :class:`OrganisationCA` holds the files' bytes as they are (so the key stays
    encrypted when it was).
    """
    certificate_pem = _read(folder / CERTIFICATE_FILE)
    key_pem = _read(folder / KEY_FILE)
    ca = OrganisationCA(certificate_pem=certificate_pem, key_pem=key_pem)
    certificate = ca.certificate()
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.value.ca:
        raise CAError("The certificate in that folder is not a certificate authority.")
    key = _private_key(ca, passphrase)
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        raise CAError(
            "The certificate authority key does not belong to its certificate; the files may "
            "have been mixed up."
        )
    return ca


# --- Device keys, requests and certificates -------------------------------------------------


def sign_device_csr(
    ca: OrganisationCA,
    csr_pem: bytes,
    *,
    device_id: str,
    username: str,
    display_name: str,
    passphrase: bytes | None = None,
    days: int = 825,
    now: datetime | None = None,
) -> bytes:
    """Issue a device certificate for the key in ``csr_pem``; returns the certificate PEM.

    The request must be well formed, correctly self-signed and for an ECDSA P-256 key. The
    certificate's subject is ``display_name`` (CN), the CA's organisation (O) and
    ``username`` (UID); its subject alternative name is ``urn:uuid:<device_id>``. It may
    authenticate a TLS client and sign documents, but not issue certificates. It is valid
    from five minutes before ``now`` for ``days`` days, but never beyond the CA's own expiry.
    ``passphrase`` opens the CA key when it is encrypted.
    """
    try:
        request = x509.load_pem_x509_csr(csr_pem)
    except (ValueError, TypeError):
        raise CAError("The certificate request could not be read.") from None
    try:
        signature_ok = request.is_signature_valid
    except (ValueError, TypeError):
        signature_ok = False
    if not signature_ok:
        raise CAError("The certificate request's signature is not valid.")
    try:
        public_key = request.public_key()
    except (ValueError, TypeError):
        public_key = None
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
        public_key.curve, ec.SECP256R1
    ):
        raise CAError(
            "The certificate request must be for an ECDSA P-256 key; no other kind of key "
            "is accepted."
        )
    device = _device_uuid(device_id)
    user = _required(username, "The username cannot be empty.")
    name = _required(display_name, "The display name cannot be empty.")
    if len(name) > _MAX_COMMON_NAME:
        raise CAError(
            f"The display name is too long for a certificate; use at most {_MAX_COMMON_NAME} "
            "characters."
        )
    _check_days(days)

    ca_certificate = ca.certificate()
    ca_key = _private_key(ca, passphrase)
    if _spki(ca_key.public_key()) != _spki(ca_certificate.public_key()):
        raise CAError(
            "The certificate authority key does not belong to its certificate; the files may "
            "have been mixed up."
        )
    start = _utc(now)
    ca_expires = ca_certificate.not_valid_after_utc
    if start >= ca_expires:
        raise CAError(
            "The organisation's certificate authority has expired; devices cannot be enrolled "
            "until it is replaced."
        )
    organisation = _organisation(ca_certificate)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.USER_ID, user),
        ]
    )
    try:
        ca_ski = ca_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski.value)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - CLOCK_SKEW)
        .not_valid_after(min(start + timedelta(days=days), ca_expires))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(_URN_UUID + device)]),
            critical=False,
        )
        .add_extension(aki, critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def certificate_device_id(cert_pem: bytes) -> str:
    """The device id (a UUID, lower case with hyphens) a device certificate was issued to."""
    certificate = _load_certificate(cert_pem)
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        names = None
    uris = names.value.get_values_for_type(x509.UniformResourceIdentifier) if names else []
    for uri in uris:
        if uri.lower().startswith(_URN_UUID):
            try:
                return str(uuid.UUID(uri[len(_URN_UUID) :]))
            except ValueError:
                break
    raise CAError("The certificate does not name a device.")


def verify_issued(ca: OrganisationCA, cert_pem: bytes) -> None:
    """Refuse a certificate this CA did not sign.

    This checks the issuer and the signature only; whether the certificate is in date or
    revoked is for the caller to decide.
    """
    certificate = _load_certificate(cert_pem)
    try:
        certificate.verify_directly_issued_by(ca.certificate())
    except (ValueError, TypeError, InvalidSignature):
        raise CAError(
            "The certificate was not issued by this organisation's certificate authority."
        ) from None


# --- Helpers ---------------------------------------------------------------------------------


def _already_there() -> CAError:
    return CAError(
        "A certificate authority is already saved in that folder; it has not been replaced."
    )


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` (which must not exist) with ``mode`` from the start, and write ``data``."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), mode)  # exactly ``mode``, whatever the umask
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CAError(
            "The organisation's certificate authority is not in that folder, or is incomplete."
        ) from None
    except OSError:
        raise CAError("The organisation's certificate authority files could not be read.") from None


def _private_key(ca: OrganisationCA, passphrase: bytes | None) -> ec.EllipticCurvePrivateKey:
    encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in ca.key_pem
    if encrypted and not passphrase:
        raise CAError(
            "The certificate authority key is protected by a passphrase; give the passphrase "
            "to use it."
        )
    if not encrypted and passphrase is not None:
        raise CAError(
            "The certificate authority key is not protected by a passphrase, but one was given."
        )
    try:
        key = serialization.load_pem_private_key(ca.key_pem, password=passphrase)
    except (ValueError, TypeError):
        if encrypted:
            raise CAError("That passphrase does not open the certificate authority key.") from None
        raise CAError("The certificate authority key could not be read.") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise CAError("The certificate authority key is not an ECDSA P-256 key.")
    return key


def _load_certificate(cert_pem: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(cert_pem)
    except (ValueError, TypeError):
        raise CAError("The certificate could not be read.") from None


def _organisation(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    value = names[0].value if names else None
    if not isinstance(value, str) or not value:
        raise CAError("The certificate authority's certificate does not name its organisation.")
    return value


def _spki(key: object) -> bytes:
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return b""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _device_uuid(device_id: str) -> str:
    try:
        return str(uuid.UUID(device_id))
    except (ValueError, TypeError, AttributeError):
        raise CAError("The device id is not a valid UUID.") from None


def _required(value: str, message: str) -> str:
    text = value.strip()
    if not text:
        raise CAError(message)
    return text


def _check_days(days: int) -> None:
    if days < 1:
        raise CAError("A certificate must be valid for at least one day.")


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)
