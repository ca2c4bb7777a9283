"""The service provider's own key and certificate for federated sign-in (SAML 2.0).

Production names its files in SAML_SP_KEY_FILE and SAML_SP_CERT_FILE (fusionportal/settings.py
checks them at start-up with `check_pair`). The demo and the test suite make a self-signed pair
of their own with `development_pair`: it is written beside the database, never committed.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def make_pair(common_name, *, valid_days=3650):
    """A new RSA key and a self-signed certificate for it, both as PEM bytes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def development_pair(folder):
    """(key file, certificate file) in `folder`, made on first use and kept for the next start,
    so that an identity provider given the demo's metadata keeps trusting it."""
    folder = Path(folder)
    key_file, cert_file = folder / "sp-key.pem", folder / "sp-cert.pem"
    if not (key_file.is_file() and cert_file.is_file()):
        folder.mkdir(parents=True, exist_ok=True)
        key_pem, cert_pem = make_pair("FusionPortal development service provider")
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        cert_file.write_bytes(cert_pem)
    return str(key_file), str(cert_file)


def check_pair(key_file, cert_file):
    """None when the files hold a PEM private key and the certificate of that key; otherwise
    the problem, in words."""
    try:
        key_pem = Path(key_file).read_bytes()
        cert_pem = Path(cert_file).read_bytes()
    except OSError as error:
        return f"cannot read {error.filename}: {error.strerror}"
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as error:
        return f"{key_file} holds no unencrypted PEM private key ({error})"
    try:
        certificate = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as error:
        return f"{cert_file} holds no PEM certificate ({error})"
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        return f"the certificate in {cert_file} is not the certificate of the key in {key_file}"
    return None
