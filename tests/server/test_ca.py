"""The organisation's certificate authority: making, saving and loading it, and the device
certificates it issues (checked by cryptography and, where it is installed, by OpenSSL)."""

from __future__ import annotations

import ast
import base64
import os
import shutil
import stat
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from hubdesk.errors import HubDeskError
from hubdesk.server import ca as ca_module
from hubdesk.server.ca import (
    CAError,
    OrganisationCA,
    certificate_device_id,
    create_ca,
    load_ca,
    make_csr,
    new_device_key,
    sign_device_csr,
    verify_issued,
    write_ca,
)
from hubdesk.sync.device_keys import DeviceKeyError

ORGANISATION = "Northmoor Borough Council"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DEVICE_ID = "3f8e2c1a-9b7d-4e6f-8a5b-1c2d3e4f5a6b"
USERNAME = "t.ashcombe"
DISPLAY_NAME = "Tamsin Ashcombe"
CA_PASSPHRASE = b"heron quarry violet 17 softly"
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")


@pytest.fixture(scope="module")
def org_ca() -> OrganisationCA:
    return create_ca(ORGANISATION, now=NOW)


@pytest.fixture(scope="module")
def device_key() -> ec.EllipticCurvePrivateKey:
    return new_device_key()


@pytest.fixture
def issued(org_ca: OrganisationCA, device_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    pem = sign_device_csr(
        org_ca,
        make_csr(device_key, DEVICE_ID, USERNAME),
        device_id=DEVICE_ID,
        username=USERNAME,
        display_name=DISPLAY_NAME,
        now=NOW,
    )
    return x509.load_pem_x509_certificate(pem)


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """The most permissive umask, so only the code's own modes keep files private."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def sign(org_ca: OrganisationCA, csr_pem: bytes, **overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "device_id": DEVICE_ID,
        "username": USERNAME,
        "display_name": DISPLAY_NAME,
        "now": NOW,
    }
    arguments.update(overrides)
    return sign_device_csr(org_ca, csr_pem, **arguments)


def der_to_pem_csr(der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        b"-----BEGIN CERTIFICATE REQUEST-----\n"
        + b"\n".join(lines)
        + b"\n-----END CERTIFICATE REQUEST-----\n"
    )


# --- Creating the CA --------------------------------------------------------------------------


def test_created_ca_is_a_p256_self_signed_authority(org_ca: OrganisationCA) -> None:
    cert = org_ca.certificate()
    assert cert.subject == x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{ORGANISATION} HubDesk CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        ]
    )
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)  # self-signed: raises if not
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert isinstance(public_key.curve, ec.SECP256R1)
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)

    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca is True
    assert constraints.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign
    assert usage.value.crl_sign
    assert not usage.value.digital_signature
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert ski.value == x509.SubjectKeyIdentifier.from_public_key(public_key)

    assert cert.not_valid_after_utc == NOW + timedelta(days=3650)
    assert cert.not_valid_before_utc <= NOW


def test_key_is_unencrypted_pkcs8_without_a_passphrase(org_ca: OrganisationCA) -> None:
    assert org_ca.key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    key = serialization.load_pem_private_key(org_ca.key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)


def test_key_is_encrypted_with_the_passphrase() -> None:
    made = create_ca(ORGANISATION, passphrase=CA_PASSPHRASE, now=NOW)
    assert made.key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(made.key_pem, password=None)
    key = serialization.load_pem_private_key(made.key_pem, password=CA_PASSPHRASE)
    assert isinstance(key, ec.EllipticCurvePrivateKey)


@pytest.mark.parametrize("organisation", ["", "   ", "\t\n"])
def test_blank_organisation_is_refused(organisation: str) -> None:
    with pytest.raises(CAError) as caught:
        create_ca(organisation)
    assert caught.value.message == (
        "The organisation needs a name before it can have a certificate authority."
    )
    assert isinstance(caught.value, HubDeskError)


def test_organisation_name_too_long_for_a_certificate_is_refused() -> None:
    with pytest.raises(CAError) as caught:
        create_ca("Northmoor " * 6)
    assert caught.value.message == (
        "The organisation's name is too long for a certificate; use at most 53 characters."
    )


# --- Saving and loading -------------------------------------------------------------------------


def test_round_trip_without_passphrase(org_ca: OrganisationCA, tmp_path: Path) -> None:
    folder = tmp_path / "ca"
    write_ca(org_ca, folder)
    loaded = load_ca(folder)
    assert loaded == org_ca
    assert (folder / "ca.pem").read_bytes() == org_ca.certificate_pem
    assert (folder / "ca-key.pem").read_bytes() == org_ca.key_pem


def test_round_trip_with_passphrase_and_signing(tmp_path: Path) -> None:
    made = create_ca(ORGANISATION, passphrase=CA_PASSPHRASE, now=NOW)
    folder = tmp_path / "ca"
    write_ca(made, folder)
    loaded = load_ca(folder, CA_PASSPHRASE)
    assert loaded == made
    assert loaded.key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    cert_pem = sign(
        loaded, make_csr(new_device_key(), DEVICE_ID, USERNAME), passphrase=CA_PASSPHRASE
    )
    verify_issued(loaded, cert_pem)


def test_files_and_folder_are_private(
    org_ca: OrganisationCA, tmp_path: Path, umask_zero: None
) -> None:
    folder = tmp_path / "hub" / "ca"
    write_ca(org_ca, folder)
    assert mode(folder) == 0o700
    assert mode(folder / "ca-key.pem") == 0o600
    assert mode(folder / "ca.pem") == 0o644


def test_key_file_is_created_private_not_made_private_afterwards(
    org_ca: OrganisationCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[str, int, int]] = []
    real_open = os.open

    def spy(path: Any, flags: int, mode: int = 0o777, *args: Any, **kwargs: Any) -> int:
        opened.append((os.fspath(path), flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    folder = tmp_path / "ca"
    write_ca(org_ca, folder)
    monkeypatch.undo()
    key_opens = [(flags, m) for path, flags, m in opened if path == str(folder / "ca-key.pem")]
    assert len(key_opens) == 1
    flags, created_mode = key_opens[0]
    assert flags & os.O_CREAT
    assert flags & os.O_EXCL
    assert created_mode == 0o600


@pytest.mark.parametrize("already", [["ca.pem"], ["ca-key.pem"], ["ca.pem", "ca-key.pem"]])
def test_write_never_overwrites_a_ca(
    org_ca: OrganisationCA, tmp_path: Path, already: list[str]
) -> None:
    folder = tmp_path / "ca"
    folder.mkdir()
    for name in already:
        (folder / name).write_bytes(b"the organisation's existing file")
    with pytest.raises(CAError) as caught:
        write_ca(org_ca, folder)
    assert caught.value.message == (
        "A certificate authority is already saved in that folder; it has not been replaced."
    )
    assert sorted(p.name for p in folder.iterdir()) == sorted(already)
    for name in already:
        assert (folder / name).read_bytes() == b"the organisation's existing file"


def test_write_into_a_file_is_refused(org_ca: OrganisationCA, tmp_path: Path) -> None:
    where = tmp_path / "ca"
    where.write_bytes(b"a file, not a folder")
    with pytest.raises(CAError) as caught:
        write_ca(org_ca, where)
    assert caught.value.message == "The certificate authority could not be saved in that folder."
    assert where.read_bytes() == b"a file, not a folder"


def test_second_write_is_refused_and_first_ca_kept(org_ca: OrganisationCA, tmp_path: Path) -> None:
    folder = tmp_path / "ca"
    write_ca(org_ca, folder)
    with pytest.raises(CAError, match="already saved"):
        write_ca(create_ca("Eastfold District Council", now=NOW), folder)
    assert load_ca(folder) == org_ca


def test_wrong_passphrase_is_refused_plainly(tmp_path: Path) -> None:
    folder = tmp_path / "ca"
    write_ca(create_ca(ORGANISATION, passphrase=CA_PASSPHRASE, now=NOW), folder)
    with pytest.raises(CAError) as caught:
        load_ca(folder, b"heron quarry violet 18 softly")
    assert caught.value.message == "That passphrase does not open the certificate authority key."


def test_missing_passphrase_is_asked_for(tmp_path: Path) -> None:
    folder = tmp_path / "ca"
    write_ca(create_ca(ORGANISATION, passphrase=CA_PASSPHRASE, now=NOW), folder)
    with pytest.raises(CAError) as caught:
        load_ca(folder)
    assert caught.value.message == (
        "The certificate authority key is protected by a passphrase; give the passphrase to use it."
    )


def test_passphrase_for_an_unprotected_key_is_refused(
    org_ca: OrganisationCA, tmp_path: Path
) -> None:
    folder = tmp_path / "ca"
    write_ca(org_ca, folder)
    with pytest.raises(CAError) as caught:
        load_ca(folder, CA_PASSPHRASE)
    assert caught.value.message == (
        "The certificate authority key is not protected by a passphrase, but one was given."
    )


def test_key_that_does_not_match_the_certificate_is_refused(
    org_ca: OrganisationCA, tmp_path: Path
) -> None:
    folder = tmp_path / "ca"
    write_ca(org_ca, folder)
    other = create_ca(ORGANISATION, now=NOW)
    (folder / "ca-key.pem").write_bytes(other.key_pem)
    expected = (
        "The certificate authority key does not belong to its certificate; the files may have "
        "been mixed up."
    )
    with pytest.raises(CAError) as caught:
        load_ca(folder)
    assert caught.value.message == expected

    mixed = OrganisationCA(certificate_pem=org_ca.certificate_pem, key_pem=other.key_pem)
    with pytest.raises(CAError) as caught:
        sign(mixed, make_csr(new_device_key(), DEVICE_ID, USERNAME))
    assert caught.value.message == expected


@pytest.mark.parametrize("present", [[], ["ca.pem"], ["ca-key.pem"]])
def test_missing_ca_files_are_reported(
    org_ca: OrganisationCA, tmp_path: Path, present: list[str]
) -> None:
    folder = tmp_path / "ca"
    folder.mkdir()
    contents = {"ca.pem": org_ca.certificate_pem, "ca-key.pem": org_ca.key_pem}
    for name in present:
        (folder / name).write_bytes(contents[name])
    with pytest.raises(CAError) as caught:
        load_ca(folder)
    assert caught.value.message == (
        "The organisation's certificate authority is not in that folder, or is incomplete."
    )


def test_garbage_certificate_file_is_reported(org_ca: OrganisationCA, tmp_path: Path) -> None:
    folder = tmp_path / "ca"
    write_ca(org_ca, folder)
    (folder / "ca.pem").chmod(0o644)
    (folder / "ca.pem").write_bytes(b"not a certificate")
    with pytest.raises(CAError) as caught:
        load_ca(folder)
    assert caught.value.message == "The certificate authority's certificate could not be read."


def test_a_device_certificate_is_not_accepted_as_the_ca(
    org_ca: OrganisationCA, issued: x509.Certificate, tmp_path: Path, device_key: Any
) -> None:
    folder = tmp_path / "ca"
    folder.mkdir()
    (folder / "ca.pem").write_bytes(pem(issued))
    (folder / "ca-key.pem").write_bytes(
        device_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(CAError) as caught:
        load_ca(folder)
    assert caught.value.message == "The certificate in that folder is not a certificate authority."


# --- Issuing device certificates ----------------------------------------------------------------


def test_issued_certificate_is_verified_as_issued_by_the_ca(
    org_ca: OrganisationCA, issued: x509.Certificate
) -> None:
    verify_issued(org_ca, pem(issued))
    issued.verify_directly_issued_by(org_ca.certificate())
    assert issued.issuer == org_ca.certificate().subject
    assert isinstance(issued.signature_hash_algorithm, hashes.SHA256)


def test_subject_is_set_by_the_ca_not_the_request(org_ca: OrganisationCA) -> None:
    key = new_device_key()
    other_device = str(uuid.uuid4())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "admin"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Eastfold District Council"),
                    x509.NameAttribute(NameOID.USER_ID, "root"),
                ]
            )
        )
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier(f"urn:uuid:{other_device}")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = sign(org_ca, request.public_bytes(serialization.Encoding.PEM))
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert cert.subject == x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DISPLAY_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.USER_ID, USERNAME),
        ]
    )
    values = [attribute.value for attribute in cert.subject]
    assert "admin" not in values
    assert "root" not in values
    assert certificate_device_id(cert_pem) == DEVICE_ID
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    # ...but the key is the one the request was signed with.
    assert cert.public_key() == key.public_key()


def test_issued_certificate_names_the_device(issued: x509.Certificate) -> None:
    names = issued.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.UniformResourceIdentifier) == [f"urn:uuid:{DEVICE_ID}"]
    assert certificate_device_id(pem(issued)) == DEVICE_ID


def test_device_id_is_read_back_in_canonical_form(org_ca: OrganisationCA) -> None:
    upper = DEVICE_ID.upper()
    cert_pem = sign(org_ca, make_csr(new_device_key(), upper, USERNAME), device_id=upper)
    assert certificate_device_id(cert_pem) == DEVICE_ID


def test_issued_certificate_is_not_a_ca_and_may_sign_documents(
    org_ca: OrganisationCA, issued: x509.Certificate
) -> None:
    constraints = issued.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca is False
    usage = issued.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert not usage.value.crl_sign
    purposes = issued.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(purposes) == {ExtendedKeyUsageOID.CLIENT_AUTH, DOCUMENT_SIGNING}

    ca_ski = org_ca.certificate().extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    aki = issued.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ca_ski.value.digest
    ski = issued.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(issued.public_key())


def test_serial_numbers_are_random(org_ca: OrganisationCA, issued: x509.Certificate) -> None:
    again = x509.load_pem_x509_certificate(
        sign(org_ca, make_csr(new_device_key(), DEVICE_ID, USERNAME))
    )
    assert again.serial_number != issued.serial_number
    assert issued.serial_number.bit_length() > 64


def test_validity_allows_for_clock_skew(issued: x509.Certificate) -> None:
    assert issued.not_valid_before_utc == NOW - timedelta(minutes=5)
    assert issued.not_valid_after_utc == NOW + timedelta(days=825)


def test_validity_is_capped_by_the_ca_expiry() -> None:
    short_ca = create_ca(ORGANISATION, days=30, now=NOW)
    later = NOW + timedelta(days=10)
    cert_pem = sign(short_ca, make_csr(new_device_key(), DEVICE_ID, USERNAME), now=later)
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert cert.not_valid_after_utc == NOW + timedelta(days=30)
    assert cert.not_valid_after_utc == short_ca.certificate().not_valid_after_utc
    assert cert.not_valid_before_utc == later - timedelta(minutes=5)


def test_expired_ca_issues_nothing() -> None:
    short_ca = create_ca(ORGANISATION, days=30, now=NOW)
    with pytest.raises(CAError) as caught:
        sign(
            short_ca, make_csr(new_device_key(), DEVICE_ID, USERNAME), now=NOW + timedelta(days=31)
        )
    assert caught.value.message == (
        "The organisation's certificate authority has expired; devices cannot be enrolled "
        "until it is replaced."
    )


def test_signing_with_an_encrypted_ca_needs_its_passphrase() -> None:
    locked = create_ca(ORGANISATION, passphrase=CA_PASSPHRASE, now=NOW)
    csr = make_csr(new_device_key(), DEVICE_ID, USERNAME)
    with pytest.raises(CAError) as caught:
        sign(locked, csr, passphrase=b"not the passphrase")
    assert caught.value.message == "That passphrase does not open the certificate authority key."
    verify_issued(locked, sign(locked, csr, passphrase=CA_PASSPHRASE))


# --- Refusing bad requests ---------------------------------------------------------------------


def test_request_with_a_bad_signature_is_refused(org_ca: OrganisationCA) -> None:
    good = x509.load_pem_x509_csr(make_csr(new_device_key(), DEVICE_ID, USERNAME))
    der = bytearray(good.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte of the ECDSA signature's s value
    tampered = der_to_pem_csr(bytes(der))
    parsed = x509.load_pem_x509_csr(tampered)  # still a well-formed request...
    assert not parsed.is_signature_valid  # ...whose signature no longer checks
    with pytest.raises(CAError) as caught:
        sign(org_ca, tampered)
    assert caught.value.message == "The certificate request's signature is not valid."


def test_request_signed_by_another_key_is_refused(org_ca: OrganisationCA) -> None:
    """The body of one request (with its key) and the signature of another."""
    mine = x509.load_pem_x509_csr(make_csr(new_device_key(), DEVICE_ID, USERNAME))
    mine_der = mine.public_bytes(serialization.Encoding.DER)
    assert mine_der.endswith(mine.signature)
    # DER ECDSA signatures vary by a byte or two; splice one of the same length so the
    # outer lengths stay right.
    for _ in range(100):
        theirs = x509.load_pem_x509_csr(make_csr(new_device_key(), DEVICE_ID, USERNAME))
        if len(theirs.signature) == len(mine.signature):
            break
    assert len(theirs.signature) == len(mine.signature)
    spliced = mine_der[: -len(mine.signature)] + theirs.signature
    assert x509.load_der_x509_csr(spliced).is_signature_valid is False
    with pytest.raises(CAError) as caught:
        sign(org_ca, der_to_pem_csr(spliced))
    assert caught.value.message == "The certificate request's signature is not valid."


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"hello",
        b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    ],
)
def test_unreadable_request_is_refused(org_ca: OrganisationCA, garbage: bytes) -> None:
    with pytest.raises(CAError) as caught:
        sign(org_ca, garbage)
    assert caught.value.message == "The certificate request could not be read."


@pytest.mark.parametrize("kind", ["rsa", "p384"])
def test_request_for_another_kind_of_key_is_refused(org_ca: OrganisationCA, kind: str) -> None:
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP384R1())
    )
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEVICE_ID)]))
        .sign(key, hashes.SHA256())
    )
    assert request.is_signature_valid
    with pytest.raises(CAError) as caught:
        sign(org_ca, request.public_bytes(serialization.Encoding.PEM))
    assert caught.value.message == (
        "The certificate request must be for an ECDSA P-256 key; no other kind of key is accepted."
    )


@pytest.mark.parametrize("device_id", ["laptop-7", "", "3f8e2c1a-9b7d-4e6f-8a5b", "12345"])
def test_device_id_must_be_a_uuid(org_ca: OrganisationCA, device_id: str) -> None:
    csr = make_csr(new_device_key(), DEVICE_ID, USERNAME)
    with pytest.raises(CAError) as caught:
        sign(org_ca, csr, device_id=device_id)
    assert caught.value.message == "The device id is not a valid UUID."
    with pytest.raises(DeviceKeyError) as refused:
        make_csr(new_device_key(), device_id, USERNAME)
    assert refused.value.message == "The device id is not a valid UUID."


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("username", "The username cannot be empty."),
        ("display_name", "The display name cannot be empty."),
    ],
)
def test_blank_names_are_refused(org_ca: OrganisationCA, field: str, message: str) -> None:
    csr = make_csr(new_device_key(), DEVICE_ID, USERNAME)
    with pytest.raises(CAError) as caught:
        sign(org_ca, csr, **{field: "  "})
    assert caught.value.message == message


def test_display_name_too_long_for_a_certificate_is_refused(org_ca: OrganisationCA) -> None:
    csr = make_csr(new_device_key(), DEVICE_ID, USERNAME)
    with pytest.raises(CAError) as caught:
        sign(org_ca, csr, display_name="Tamsin " * 10)
    assert caught.value.message == (
        "The display name is too long for a certificate; use at most 64 characters."
    )
    assert "Tamsin" not in caught.value.message


# --- Checking certificates ---------------------------------------------------------------------


@pytest.mark.parametrize("organisation", [ORGANISATION, "Eastfold District Council"])
def test_certificate_from_another_ca_fails_verification(
    org_ca: OrganisationCA, organisation: str
) -> None:
    """Same organisation name (so only the signature differs) and a different one."""
    other_ca = create_ca(organisation, now=NOW)
    foreign = sign(other_ca, make_csr(new_device_key(), DEVICE_ID, USERNAME))
    verify_issued(other_ca, foreign)
    with pytest.raises(CAError) as caught:
        verify_issued(org_ca, foreign)
    assert caught.value.message == (
        "The certificate was not issued by this organisation's certificate authority."
    )


def test_unreadable_certificate_is_refused(org_ca: OrganisationCA) -> None:
    for check in (lambda: verify_issued(org_ca, b"nonsense"), lambda: certificate_device_id(b"")):
        with pytest.raises(CAError) as caught:
            check()
        assert caught.value.message == "The certificate could not be read."


def test_certificate_without_a_device_is_refused(org_ca: OrganisationCA) -> None:
    with pytest.raises(CAError) as caught:
        certificate_device_id(org_ca.certificate_pem)
    assert caught.value.message == "The certificate does not name a device."


def test_module_does_not_import_qt_or_fastapi() -> None:
    tree = ast.parse(Path(ca_module.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "cryptography" in imported  # the scan does see the imports
    assert not {m for m in imported if m.split(".")[0] in {"PySide6", "fastapi", "starlette"}}


# --- An independent check ------------------------------------------------------------------------


OPENSSL = shutil.which("openssl")


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed on this machine")
def test_openssl_accepts_the_issued_certificate(tmp_path: Path) -> None:
    assert OPENSSL is not None
    # OpenSSL checks validity against the real clock, so this CA and certificate are made now.
    current_ca = create_ca(ORGANISATION)
    device_pem = sign(current_ca, make_csr(new_device_key(), DEVICE_ID, USERNAME), now=None)
    ca_file = tmp_path / "ca.pem"
    device_file = tmp_path / "device.pem"
    other_file = tmp_path / "other-ca.pem"
    ca_file.write_bytes(current_ca.certificate_pem)
    device_file.write_bytes(device_pem)
    other_file.write_bytes(create_ca(ORGANISATION).certificate_pem)

    def openssl_verify(ca: Path, *options: str) -> subprocess.CompletedProcess[str]:
        command = [OPENSSL, "verify", *options, "-CAfile", str(ca), str(device_file)]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    accepted = openssl_verify(ca_file, "-x509_strict", "-purpose", "sslclient")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.strip() == f"{device_file}: OK"

    refused = openssl_verify(other_file)
    assert refused.returncode != 0
    assert "OK" not in refused.stdout
