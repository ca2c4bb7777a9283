"""A real SAML 2.0 identity provider for the tests: pysaml2's Server behind a small WSGI app on
127.0.0.1, port 0, with its own key and certificate made at test time (tmp_path).

Its single sign-on service takes the portal's AuthnRequest (HTTP-Redirect, signature checked
against the portal's metadata), signs in the one test person it knows (`attributes`, the GFIPM
attributes it releases) and answers the portal's assertion consumer service with the HTTP-POST
binding: a page whose form posts the SAMLResponse (and submits itself in a browser). The knobs
make the answers the portal must refuse:

- `sign_with`: "idp" (its own key), "none" (unsigned), "other" (a key not in its metadata);
- `tamper`: (old, new) text replaced in the response after it was signed;
- `audience`: the audience to assert instead of the portal's entity id;
- `expired`: an assertion issued ten minutes ago that expired five minutes ago;
- `assertion_id`: the assertion's ID (to send one the portal has seen before);
- `sign_alg`, `digest_alg`: the signature's algorithms (RSA-SHA256, SHA-256 unless told);
- `authn_context`: the AuthnContextClassRef it asserts.
"""

import base64
import functools
import html
import re
import threading
import urllib.parse
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.conf import settings
from saml2 import BINDING_HTTP_REDIRECT, samlp
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.sigver import pre_signature_part
from saml2.time_util import a_while_ago
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from agencies import saml
from fusionportal.saml_keys import make_pair

PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MFA_CONTEXT = "https://refeds.org/profile/mfa"


@functools.cache
def _pair(name):
    """A key pair made once per test process (an RSA key takes a while to make)."""
    return make_pair(name)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class TestIdentityProvider:
    def __init__(self, folder, sp_base):
        self.sp_base = sp_base.rstrip("/")
        self.sp_entity_id = f"{self.sp_base}/saml/metadata/"
        self.acs_url = f"{self.sp_base}/saml/acs/"
        self.httpd = make_server("127.0.0.1", 0, self.app, handler_class=_Quiet)
        self.base = f"http://localhost:{self.httpd.server_port}"
        self.entity_id = f"{self.base}/idp/metadata"
        key_file, cert_file = folder / "idp-key.pem", folder / "idp-cert.pem"
        key_pem, cert_pem = _pair("FusionPortal test identity provider")
        key_file.write_bytes(key_pem)
        cert_file.write_bytes(cert_pem)
        other_key, other_cert = _pair("Someone else's key")
        (folder / "other-key.pem").write_bytes(other_key)
        (folder / "other-cert.pem").write_bytes(other_cert)
        self.other_key_file = str(folder / "other-key.pem")
        self.other_cert = "".join(other_cert.decode().splitlines()[1:-1])
        sp_metadata = saml.sp_metadata(entity_id=self.sp_entity_id, acs_url=self.acs_url)
        config = IdPConfig()
        config.load({
            "entityid": self.entity_id,
            "xmlsec_binary": settings.SAML_XMLSEC_BINARY,
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "metadata": {"inline": [sp_metadata.decode() if isinstance(sp_metadata, bytes)
                                    else sp_metadata]},
            "allow_unknown_attributes": True,
            "service": {"idp": {
                "name": "Test identity provider",
                "endpoints": {"single_sign_on_service": [
                    (f"{self.base}/sso/redirect", BINDING_HTTP_REDIRECT)]},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "want_authn_requests_signed": True,
                "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}},
            }},
        })
        self.server = Server(config=config)
        self.metadata_xml = create_metadata_string(None, config=config, sign=False).decode()
        self.attributes = {}
        self.reset()
        self.requests = []  # the AuthnRequests it received
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        self.authn_context = PASSWORD_CONTEXT
        self.sign_with = "idp"
        self.tamper = None
        self.audience = None
        self.expired = False
        self.assertion_id = None
        self.sign_alg = SIG_RSA_SHA256
        self.digest_alg = DIGEST_SHA256

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # The WSGI app -----------------------------------------------------------------------------

    def app(self, environ, start_response):
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        if environ["PATH_INFO"] != "/sso/redirect" or "SAMLRequest" not in query:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        try:
            request = self.server.parse_authn_request(
                query["SAMLRequest"], BINDING_HTTP_REDIRECT, relay_state=query.get("RelayState"),
                sigalg=query.get("SigAlg"), signature=query.get("Signature"),
            )
        except Exception as error:  # an unreadable or badly signed request: the test sees why
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [f"bad AuthnRequest: {type(error).__name__}: {error}".encode()]
        self.requests.append(request.message)
        body = self.answer_page(request.message.id, query.get("RelayState", ""))
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    def answer_page(self, in_response_to, relay_state):
        encoded = base64.b64encode(self.response_xml(in_response_to).encode()).decode()
        return (
            "<!doctype html><html><head><title>Test identity provider</title></head><body>"
            f'<form method="post" action="{html.escape(self.acs_url)}">'
            f'<input type="hidden" name="SAMLResponse" value="{encoded}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
            "<button type=\"submit\">Continue</button></form>"
            "<script>document.forms[0].submit()</script></body></html>"
        )

    def response_xml(self, in_response_to):
        federation_id = self.attributes.get("gfipm:2.0:user:FederationId", "unknown")
        unsigned = self.server.create_authn_response(
            {name: [value] for name, value in self.attributes.items()},
            in_response_to=in_response_to, destination=self.acs_url,
            sp_entity_id=self.sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=federation_id),
            authn={"class_ref": self.authn_context, "authn_auth": self.entity_id},
            sign_assertion=False, sign_response=False,
        )
        response = samlp.response_from_string(str(unsigned))
        assertion = response.assertion[0] if isinstance(response.assertion, list) else response.assertion
        if self.assertion_id:
            assertion.id = self.assertion_id
        if self.audience:
            assertion.conditions.audience_restriction[0].audience[0].text = self.audience
        if self.expired:
            assertion.issue_instant = response.issue_instant = a_while_ago(minutes=10)
            assertion.conditions.not_before = a_while_ago(minutes=10)
            assertion.conditions.not_on_or_after = a_while_ago(minutes=5)
            for confirmation in assertion.subject.subject_confirmation:
                confirmation.subject_confirmation_data.not_on_or_after = a_while_ago(minutes=5)
        if self.sign_with == "none":
            xml = str(response)
        else:
            own = self.sign_with == "idp"
            assertion.signature = pre_signature_part(
                assertion.id, self.server.sec.my_cert if own else self.other_cert, 1,
                sign_alg=self.sign_alg, digest_alg=self.digest_alg)
            xml = self.server.sec.sign_statement(
                str(response), "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                key_file=None if own else self.other_key_file, node_id=assertion.id)
        if self.tamper:
            old, new = self.tamper
            assert old in xml, f"{old!r} is not in the response to tamper with"
            xml = xml.replace(old, new)
        return xml


def answer_of(location):
    """What the identity provider answers at `location` (the portal's redirect): (the action the
    form posts to, its SAMLResponse)."""
    with urllib.request.urlopen(location, timeout=10) as reply:  # noqa: S310 (loopback)
        page = reply.read().decode()
    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))
    saml_response = re.search(r'name="SAMLResponse" value="([^"]+)"', page).group(1)
    return action, saml_response

