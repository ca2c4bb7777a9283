"""Federated sign-in's settings (SAML_*) are checked at start-up: the service provider's key and
certificate come as a matching pair of readable PEM files, and xmlsec1 is there to use them; a
problem is named, never a traceback at the first sign-in."""

from fusionportal.saml_keys import make_pair
from tests.test_settings import PRODUCTION, load_settings, run

SHOW = ["-c", "from fusionportal import settings as s; print(bool(s.SAML_SP_KEY_FILE))"]


def pair_in(folder, name="sp"):
    key_pem, cert_pem = make_pair("FusionPortal settings test")
    key, cert = folder / f"{name}-key.pem", folder / f"{name}-cert.pem"
    key.write_bytes(key_pem)
    cert.write_bytes(cert_pem)
    return str(key), str(cert)


def test_production_without_a_key_pair_starts_with_federated_sign_in_off():
    result = run(SHOW, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_with_a_matching_pair_starts_with_federated_sign_in_on(tmp_path):
    key, cert = pair_in(tmp_path)

    result = run(SHOW, **PRODUCTION, SAML_SP_KEY_FILE=key, SAML_SP_CERT_FILE=cert)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_one_file_without_the_other_is_named(tmp_path):
    key, _ = pair_in(tmp_path)

    result = load_settings(**PRODUCTION, SAML_SP_KEY_FILE=key)

    assert result.returncode != 0
    assert "Set both SAML_SP_KEY_FILE and SAML_SP_CERT_FILE" in result.stderr


def test_a_certificate_of_another_key_is_named(tmp_path):
    key, _ = pair_in(tmp_path, "one")
    _, other_cert = pair_in(tmp_path, "two")

    result = load_settings(**PRODUCTION, SAML_SP_KEY_FILE=key, SAML_SP_CERT_FILE=other_cert)

    assert result.returncode != 0
    assert "is not the certificate of the key" in result.stderr
    assert "BEGIN RSA PRIVATE KEY" not in result.stderr  # a key is never printed


def test_a_missing_file_is_named(tmp_path):
    _, cert = pair_in(tmp_path)

    result = load_settings(**PRODUCTION, SAML_SP_KEY_FILE=str(tmp_path / "nowhere.pem"),
                           SAML_SP_CERT_FILE=cert)

    assert result.returncode != 0
    assert "cannot read" in result.stderr and "nowhere.pem" in result.stderr


def test_without_xmlsec1_federated_sign_in_refuses_to_start_and_says_how_to_install_it(tmp_path):
    key, cert = pair_in(tmp_path)

    result = load_settings(**PRODUCTION, SAML_SP_KEY_FILE=key, SAML_SP_CERT_FILE=cert,
                           SAML_XMLSEC_BINARY=str(tmp_path / "no-xmlsec1"))

    assert result.returncode != 0
    assert "needs xmlsec1" in result.stderr and "apt-get install xmlsec1" in result.stderr


def test_the_demo_makes_its_own_pair_and_keeps_it(tmp_path):
    show = ["-c", "from fusionportal import settings as s; "
                  "print(open(s.SAML_SP_CERT_FILE).read())"]

    first = run(show, DEBUG="1")
    again = run(show, DEBUG="1")

    assert first.returncode == 0, first.stderr
    assert "BEGIN CERTIFICATE" in first.stdout and first.stdout == again.stdout
