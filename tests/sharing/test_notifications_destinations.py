"""Webhooks reach public addresses only: an agency admin cannot point the portal at its own
network (loopback, private ranges, the cloud metadata service) at registration, nor later by
making a name resolve elsewhere (DNS rebinding); the connection goes to the address that was
checked; and the delivery log never tells a refused port from a silent one."""

import datetime
import http.server
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications import destinations, tasks, webhooks
from notifications.models import OutboxEvent, WebhookAttempt, WebhookEndpoint
from tests.base import HttpsClient
from tests.sharing.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

REAL_GETADDRINFO = socket.getaddrinfo
PUBLIC = "93.184.215.14"


@pytest.fixture(autouse=True)
def in_process(monkeypatch, settings):
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    monkeypatch.setattr(tasks, "_schedule_retry", lambda pk, wait: None)
    settings.WEBHOOK_ALLOW_HTTP = True  # the local receiver speaks plain HTTP


@pytest.fixture
def production_networks(settings):
    """The production default: no private network allow-listed (the test settings list
    127.0.0.0/8 for the receivers of the other tests)."""
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = []


class FakeDNS:
    """socket.getaddrinfo for names of our choosing; every other name resolves as usual. Each
    answer may be changed between calls, as an attacker's name server would."""

    def __init__(self):
        self.answers = {}
        self.later = {}  # host -> the answer after the next one
        self.lookups = []

    def __call__(self, host, port, *args, **kwargs):
        if host not in self.answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        self.lookups.append(host)
        answer = self.answers[host]
        if host in self.later:
            self.answers[host] = self.later.pop(host)
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM,
             socket.IPPROTO_TCP, "", (address, port) if ":" not in address else (address, port, 0, 0))
            for address in answer
        ]


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDNS()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def connected_to(monkeypatch):
    """Every address a socket of this process connects to."""
    seen = []
    original = socket.socket.connect

    def connect(sock, address):
        seen.append(address[:2])
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def alert_nopd(trafficking_case):
    """The story's case alerts LA-SAFE, of which NOPD is a member: one delivery to each of
    NOPD's webhooks, attempted now."""
    tasks.deliver_event(OutboxEvent.objects.get(case=trafficking_case,
                                                center__short_name="LA-SAFE").pk)
    return WebhookAttempt.objects.get()


# Registration ------------------------------------------------------------------------------------

NON_PUBLIC_URLS = {
    "loopback": "https://127.0.0.1/hook",
    "loopback-name": "https://localhost/hook",
    "loopback-v6": "https://[::1]/hook",
    "private-10": "https://10.0.0.5/hook",
    "private-172": "https://172.16.4.1:8443/hook",
    "private-192": "https://192.168.1.10/hook",
    "link-local-metadata": "https://169.254.169.254/latest/meta-data/",
    "unique-local-v6": "https://[fd12:3456::1]/hook",
    "unique-local-fc": "https://[fc00::1]/hook",
    "ipv4-mapped-v6": "https://[::ffff:127.0.0.1]:6379/hook",
    "ipv4-mapped-private": "https://[::ffff:10.0.0.5]/hook",
    "unspecified": "https://0.0.0.0:5432/hook",
    "shared-cgnat": "https://100.64.0.1/hook",
}


@pytest.mark.parametrize("url", NON_PUBLIC_URLS.values(), ids=NON_PUBLIC_URLS.keys())
def test_a_non_public_address_is_refused_at_registration(nopd_admin, production_networks, url):
    with pytest.raises(ValidationError, match="public internet addresses only") as refused:
        webhooks.endpoint_register(by=nopd_admin, url=url)
    assert "url" in refused.value.message_dict
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("answer", [["10.1.2.3"], ["169.254.169.254"], ["fd00::7"],
                                    [PUBLIC, "127.0.0.1"]],
                         ids=["private", "metadata", "unique-local", "one-of-several"])
def test_a_name_that_resolves_to_a_non_public_address_is_refused(nopd_admin, production_networks,
                                                                 dns, answer):
    dns.answers["rms.partner.example"] = answer
    with pytest.raises(ValidationError, match="rms.partner.example is, or resolves to"):
        webhooks.endpoint_register(by=nopd_admin, url="https://rms.partner.example/hook")
    assert not WebhookEndpoint.objects.exists()


def test_a_name_that_resolves_to_public_addresses_is_accepted(nopd_admin, production_networks,
                                                              dns):
    dns.answers["rms.partner.example"] = [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    endpoint = webhooks.endpoint_register(by=nopd_admin, url="https://rms.partner.example/hook")
    assert endpoint.url == "https://rms.partner.example/hook"


def test_the_page_names_the_rule(nopd_admin, production_networks):
    client = HttpsClient()
    client.force_login(nopd_admin)
    response = client.post(reverse("webhook-list"),
                           {"url": "https://169.254.169.254/latest/meta-data/"})
    assert response.status_code == 400
    assert "public internet addresses only" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "address, allowed",
    [
        (PUBLIC, True), ("8.8.8.8", True), ("2001:4860:4860::8888", True),
        ("127.0.0.1", False), ("10.0.0.1", False), ("172.31.255.255", False),
        ("192.168.0.1", False), ("169.254.169.254", False), ("0.0.0.0", False),
        ("100.64.0.1", False), ("224.0.0.1", False), ("255.255.255.255", False),
        ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False), ("fd00::1", False),
        ("ff02::1", False), ("::ffff:127.0.0.1", False), ("::ffff:169.254.169.254", False),
        ("::ffff:8.8.8.8", True), ("2002:7f00:1::", False), ("64:ff9b::7f00:1", False),
        ("64:ff9b::a9fe:a9fe", False),
    ],
)
def test_which_addresses_are_public(production_networks, address, allowed):
    assert destinations.is_allowed(address) is allowed


# The allow-list ----------------------------------------------------------------------------------


def test_an_allow_listed_private_network_is_reached(nopd_admin, dns, settings):
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["10.20.0.0/16"]
    dns.answers["rms.nopd.internal"] = ["10.20.3.4"]
    dns.answers["other.nopd.internal"] = ["10.21.0.1"]
    endpoint = webhooks.endpoint_register(by=nopd_admin, url="https://rms.nopd.internal/hook")
    assert endpoint.pk
    with pytest.raises(ValidationError, match="public internet addresses only"):
        webhooks.endpoint_register(by=nopd_admin, url="https://other.nopd.internal/hook")
    with pytest.raises(ValidationError, match="public internet addresses only"):
        webhooks.endpoint_register(by=nopd_admin, url="https://127.0.0.1/hook")


def test_the_allow_list_lets_a_delivery_through_to_that_network_only(
    nopd_admin, la_safe, trafficking_case, receiver, settings
):
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    webhooks.endpoint_register(by=nopd_admin, url=receiver.url)
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["10.0.0.0/8"]  # the operators changed it
    attempt = alert_nopd(trafficking_case)
    assert attempt.error == webhooks.REFUSED_DESTINATION
    assert receiver.requests == []


# Delivery ----------------------------------------------------------------------------------------


def test_a_name_that_resolves_elsewhere_later_is_refused_at_delivery(
    nopd_admin, la_safe, trafficking_case, receiver, production_networks, dns, connected_to
):
    port = receiver.server.server_address[1]
    dns.answers["rms.partner.example"] = [PUBLIC]
    endpoint = webhooks.endpoint_register(by=nopd_admin,
                                          url=f"http://rms.partner.example:{port}/hook")
    # The attacker's name server now answers with the portal's own host, where the receiver
    # stands in for Redis, PostgreSQL or an admin port.
    dns.answers["rms.partner.example"] = ["127.0.0.1"]
    attempt = alert_nopd(trafficking_case)
    assert attempt.status_code is None
    assert attempt.error == webhooks.REFUSED_DESTINATION
    assert receiver.requests == []
    assert ("127.0.0.1", port) not in connected_to
    assert attempt.delivery.endpoint == endpoint


def test_the_connection_goes_to_the_address_that_was_checked(
    nopd_admin, la_safe, trafficking_case, receiver, dns, connected_to
):
    port = receiver.server.server_address[1]
    dns.answers["rms.partner.example"] = ["127.0.0.1"]  # allow-listed by the test settings
    webhooks.endpoint_register(by=nopd_admin, url=f"http://rms.partner.example:{port}/hook")
    dns.lookups.clear()
    # After its first answer the name server points elsewhere: a second lookup (by the HTTP
    # library, say) would connect to 10.66.0.1.
    dns.later["rms.partner.example"] = ["10.66.0.1"]
    attempt = alert_nopd(trafficking_case)
    assert attempt.status_code == 200, attempt.error
    assert dns.lookups == ["rms.partner.example"]  # resolved once
    assert [address for address in connected_to if address[1] == port] == [("127.0.0.1", port)]
    headers, _, _ = receiver.requests[0]
    assert headers["Host"] == f"rms.partner.example:{port}"  # the name, not the address


# What the delivery log says ----------------------------------------------------------------------


def _closed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port, None


def _silent_port():
    """Accepts connections and never answers: the delivery times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    return listener.getsockname()[1], listener


def _hanging_up_port():
    """Accepts a connection and closes it without an answer."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)

    def hang_up():
        try:
            connection, _ = listener.accept()
            connection.recv(65536)
            connection.close()
        except OSError:
            pass

    threading.Thread(target=hang_up, daemon=True).start()
    return listener.getsockname()[1], listener


@pytest.mark.parametrize("open_port", [_closed_port, _silent_port, _hanging_up_port],
                         ids=["refused", "timed-out", "closed"])
def test_the_log_says_the_same_whatever_the_port_did(
    nopd_admin, la_safe, trafficking_case, settings, open_port
):
    settings.WEBHOOK_TIMEOUT = 1
    port, listener = open_port()
    try:
        endpoint = webhooks.endpoint_register(by=nopd_admin, url=f"http://127.0.0.1:{port}/h")
        attempt = alert_nopd(trafficking_case)
    finally:
        if listener is not None:
            listener.close()
    assert attempt.status_code is None
    assert attempt.error == webhooks.UNREACHABLE
    client = HttpsClient()
    client.force_login(nopd_admin)
    page = client.get(reverse("webhook-detail", args=[endpoint.pk])).content.decode()
    assert "Could not deliver: the destination refused or was unreachable." in page
    for detail in ("Errno", "Connection refused", "ConnectionRefused", "timed out", "TimeoutError",
                   "RemoteDisconnected", "Connection reset", "closed connection"):
        assert detail not in page


# HTTPS: the checked address, the host name for SNI and the certificate -------------------------


def _certificate_authority():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test partner CA")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _server_certificate(ca_key, ca_certificate, host_name, folder):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host_name)]))
        .issuer_name(ca_certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    chain = folder / f"{host_name}.pem"
    chain.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
        + certificate.public_bytes(serialization.Encoding.PEM)
    )
    return chain


@pytest.fixture
def https_receiver(tmp_path, monkeypatch):
    """make(name): an HTTPS receiver on 127.0.0.1 whose certificate names `name`, issued by a
    test authority that the portal's TLS context trusts (instead of the system's). Records the
    SNI name each handshake asked for."""
    ca_key, ca_certificate = _certificate_authority()
    monkeypatch.setattr(destinations, "tls_context", lambda: ssl.create_default_context(
        cadata=ca_certificate.public_bytes(serialization.Encoding.PEM).decode()))
    running = []

    def make(name):
        receiver = Receiver()
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(_server_certificate(ca_key, ca_certificate, name, tmp_path))
        receiver.sni = []
        server_context.sni_callback = lambda sock, sni, context: receiver.sni.append(sni)
        receiver.server.socket = server_context.wrap_socket(receiver.server.socket,
                                                            server_side=True)
        running.append(receiver.__enter__())
        return receiver

    yield make
    for receiver in running:
        receiver.__exit__(None, None, None)


def test_https_goes_to_the_checked_address_with_the_host_name_for_sni_and_the_certificate(
    nopd_admin, la_safe, trafficking_case, dns, connected_to, https_receiver
):
    receiver = https_receiver("rms.partner.example")
    port = receiver.server.server_address[1]
    dns.answers["rms.partner.example"] = ["127.0.0.1"]  # allow-listed by the test settings
    webhooks.endpoint_register(by=nopd_admin, url=f"https://rms.partner.example:{port}/hook")
    dns.lookups.clear()
    dns.later["rms.partner.example"] = ["10.66.0.1"]
    attempt = alert_nopd(trafficking_case)
    assert attempt.status_code == 200, attempt.error
    assert dns.lookups == ["rms.partner.example"]
    assert [address for address in connected_to if address[1] == port] == [("127.0.0.1", port)]
    assert receiver.sni == ["rms.partner.example"]
    headers, _, _ = receiver.requests[0]
    assert headers["Host"] == f"rms.partner.example:{port}"


def test_https_refuses_a_certificate_for_another_name(
    nopd_admin, la_safe, trafficking_case, dns, https_receiver
):
    receiver = https_receiver("someone-else.example")
    port = receiver.server.server_address[1]
    dns.answers["rms.partner.example"] = ["127.0.0.1"]
    webhooks.endpoint_register(by=nopd_admin, url=f"https://rms.partner.example:{port}/hook")
    attempt = alert_nopd(trafficking_case)
    assert attempt.status_code is None
    assert attempt.error == webhooks.UNREACHABLE  # the certificate failure is in the server log
    assert receiver.requests == []


# Connections kept open between deliveries ---------------------------------------------------------


@pytest.fixture
def kept_open():
    """A partner's server that keeps connections open (HTTP/1.1), at rms.partner.example."""
    with Receiver(keep_alive=True) as running:
        yield running


@pytest.fixture
def partner_endpoint(nopd_admin, kept_open, dns):
    port = kept_open.server.server_address[1]
    dns.answers["rms.partner.example"] = ["127.0.0.1"]  # allow-listed by the test settings
    endpoint = webhooks.endpoint_register(by=nopd_admin,
                                          url=f"http://rms.partner.example:{port}/hook")
    dns.lookups.clear()
    return endpoint


def alert_nopd_again(make_case, analyst_fl):
    """Another case alerts LA-SAFE: a second delivery to NOPD's webhook, attempted now."""
    case = make_case(analyst_fl, states=("FL", "LA"))
    tasks.deliver_event(OutboxEvent.objects.get(case=case, center__short_name="LA-SAFE").pk)
    return WebhookAttempt.objects.filter(delivery__event__case=case).get()


def test_a_kept_open_connection_carries_the_next_delivery_after_the_name_is_checked_again(
    la_safe, trafficking_case, make_case, analyst_fl, partner_endpoint, kept_open, dns,
    connected_to,
):
    port = kept_open.server.server_address[1]
    assert alert_nopd(trafficking_case).status_code == 200
    assert alert_nopd_again(make_case, analyst_fl).status_code == 200
    assert len(kept_open.processed) == 2
    assert kept_open.connections == 1
    assert [address for address in connected_to if address[1] == port] == [("127.0.0.1", port)]
    # Each delivery resolved and checked the name; each request spoke to it by name.
    assert dns.lookups == ["rms.partner.example", "rms.partner.example"]
    assert {headers["Host"] for headers, _, _ in kept_open.requests} == {
        f"rms.partner.example:{port}"}


def test_a_kept_open_connection_is_not_used_once_the_name_resolves_to_a_refused_address(
    la_safe, trafficking_case, make_case, analyst_fl, partner_endpoint, kept_open, dns,
):
    assert alert_nopd(trafficking_case).status_code == 200
    # The attacker's name server turns the name to the portal's neighbour: the connection to
    # the address checked before is still open, and must not carry this delivery.
    dns.answers["rms.partner.example"] = ["10.66.0.1"]
    attempt = alert_nopd_again(make_case, analyst_fl)
    assert attempt.status_code is None
    assert attempt.error == webhooks.REFUSED_DESTINATION
    assert len(kept_open.requests) == 1


def test_a_connection_the_partner_closed_while_idle_is_replaced(
    la_safe, trafficking_case, make_case, analyst_fl, partner_endpoint, kept_open,
):
    assert alert_nopd(trafficking_case).status_code == 200
    kept_open.hang_up()
    assert alert_nopd_again(make_case, analyst_fl).status_code == 200
    assert kept_open.connections == 2
    assert len(kept_open.processed) == 2


def test_a_connection_closed_just_as_it_was_taken_is_replaced_once(
    la_safe, trafficking_case, make_case, analyst_fl, partner_endpoint, kept_open, monkeypatch,
):
    """The partner closes the idle connection after the portal looked at it and before the
    request reached it: the request goes again over a new connection (the receiver knows the
    delivery id, so a repeat would be harmless)."""
    assert alert_nopd(trafficking_case).status_code == 200
    kept_open.hang_up()
    monkeypatch.setattr(destinations, "_dropped", lambda pinned: False)
    assert alert_nopd_again(make_case, analyst_fl).status_code == 200
    assert kept_open.connections == 2
    assert len(kept_open.processed) == 2


def test_a_partner_that_closes_after_each_answer_gets_a_new_connection_each_time(
    la_safe, trafficking_case, make_case, analyst_fl, receiver, nopd_admin,
):
    webhooks.endpoint_register(by=nopd_admin, url=receiver.url)  # HTTP/1.0: closes each time
    assert alert_nopd(trafficking_case).status_code == 200
    assert alert_nopd_again(make_case, analyst_fl).status_code == 200
    assert receiver.connections == 2


def test_a_long_or_chunked_answer_is_not_read_and_its_connection_not_kept(
    la_safe, trafficking_case, make_case, analyst_fl, nopd_admin,
):
    """A partner that answers with more than a short body (or one of undeclared length) is not
    waited for while it sends it: the connection is closed, and the next delivery opens one."""
    connections = []

    class Talkative(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            connections.append(self.client_address)

        def do_POST(self):  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b"x" * (destinations.ANSWER_READ_LIMIT + 1)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Talkative)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address
        webhooks.endpoint_register(by=nopd_admin, url=f"http://{host}:{port}/hook")
        assert alert_nopd(trafficking_case).status_code == 200
        assert alert_nopd_again(make_case, analyst_fl).status_code == 200
    finally:
        server.shutdown()
        server.server_close()
    assert len(connections) == 2
