"""The ASGI websocket path: Host and Origin checks, routing, bad messages, errors, shut-down;
the origin parser and policy, as properties over generated input."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.handlers.websocket import OriginPolicy, parse_origin
from legato.signing import unsign_cookie
from legato.test import AsyncClient, Client
from legato.test.websocket import WebSocketDenied
from legato.urls import reverse, websocket
from legato.websocket import WebSocket, WebSocketDisconnect

closed_with: list[int] = []


async def echo(ws: WebSocket) -> None:
    await ws.accept()
    async for message in ws:
        await ws.send_text(str(message))


async def text_only(ws: WebSocket) -> None:
    await ws.accept()
    try:
        while True:
            await ws.send_text(await ws.receive_text())
    except WebSocketDisconnect as exc:
        closed_with.append(exc.code)
        raise


async def json_only(ws: WebSocket) -> None:
    await ws.accept()
    try:
        await ws.send_json(await ws.receive_json())
        await ws.receive_json()
    except WebSocketDisconnect as exc:
        closed_with.append(exc.code)
        raise


async def fails(ws: WebSocket) -> None:
    await ws.accept()
    raise LookupError("secret internal detail")


async def fails_before_accept(ws: WebSocket) -> None:
    raise LookupError("secret internal detail")


async def names_itself(ws: WebSocket, room: str) -> None:
    await ws.accept()
    await ws.send_text(reverse("room", kwargs={"room": room}))


async def waits_forever(ws: WebSocket) -> None:
    await ws.accept()
    try:
        await ws.receive_text()
    except WebSocketDisconnect as exc:
        closed_with.append(exc.code)
        raise


ROUTES = [
    websocket("echo/", echo),
    websocket("text/", text_only),
    websocket("json/", json_only),
    websocket("fails/", fails),
    websocket("fails-early/", fails_before_accept),
    websocket("room/<slug:room>/", names_itself, name="room"),
    websocket("wait/", waits_forever),
]


@pytest.fixture
def client() -> Iterator[Client]:
    closed_with.clear()
    with Client(App(ROUTES, websocket_max_message_size=100)) as test_client:
        yield test_client


def denial(client: Client, path: str, **options: object) -> int:
    with pytest.raises(WebSocketDenied) as denied, client.websocket(path, **options):
        pass
    return denied.value.status_code


def test_unknown_path_is_refused_with_404(client: Client) -> None:
    assert denial(client, "/nowhere/") == 404


def test_http_routes_do_not_answer_websockets() -> None:
    from legato.http import HttpResponse
    from legato.urls import path

    async def page(request: object) -> HttpResponse:
        return HttpResponse("page")

    with Client(App([path("page/", page)])) as client:
        assert denial(client, "/page/") == 404


def test_same_origin_is_allowed_by_default(client: Client) -> None:
    with client.websocket("/echo/", headers={"Origin": "http://testserver"}) as ws:
        ws.send_text("ok")
        assert ws.receive_text() == "ok"


def test_missing_origin_is_allowed_for_non_browser_clients(client: Client) -> None:
    with client.websocket("/echo/") as ws:
        ws.send_text("ok")
        assert ws.receive_text() == "ok"


def test_cross_site_origin_is_refused_before_accept(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="legato.security"):
        assert denial(client, "/echo/", headers={"Origin": "https://evil.example"}) == 403
    assert "https://evil.example" in caplog.text
    assert "hijacking" in caplog.text


@pytest.mark.parametrize("origin", ["null", "testserver", "http://testserver.evil.com", ""])
def test_malformed_or_lookalike_origins_are_refused(client: Client, origin: str) -> None:
    assert denial(client, "/echo/", headers={"Origin": origin}) == 403


def test_allowed_origins_admit_listed_sites_and_subdomains() -> None:
    app = App(ROUTES, allowed_origins=["https://app.example.com", "https://*.example.org"])
    with Client(app) as client:
        for origin in ("https://app.example.com", "https://a.b.example.org", "https://example.org"):
            with client.websocket("/echo/", headers={"Origin": origin}):
                pass
        for origin in ("http://app.example.com", "https://example.com", "https://org"):
            assert denial(client, "/echo/", headers={"Origin": origin}) == 403


def test_star_allows_any_origin() -> None:
    with Client(App(ROUTES, allowed_origins=["*"])) as client:  # noqa: SIM117
        with client.websocket("/echo/", headers={"Origin": "https://anywhere.test"}):
            pass


def test_a_malformed_allowed_origins_entry_fails_at_start_up() -> None:
    app = App(ROUTES, allowed_origins=["example.com"])
    with pytest.raises(ImproperlyConfigured, match=r"'https://example\.com'"):
        asyncio.run(app.startup())


def test_host_outside_allowed_hosts_is_refused(client: Client) -> None:
    assert denial(client, "/echo/", headers={"Host": "evil.example"}) == 400


def test_forwarded_host_is_the_host_checked_when_trusted() -> None:
    app = App(ROUTES, allowed_hosts=["app.example.com"], use_x_forwarded_host=True)
    behind_proxy = {"Host": "10.0.0.5:8000", "X-Forwarded-Host": "app.example.com"}
    with Client(app) as client:
        # The origin is compared with the forwarded host too: the page's own site.
        with client.websocket(
            "/echo/", headers={**behind_proxy, "Origin": "https://app.example.com"}
        ):
            pass
        forged = {"Host": "app.example.com", "X-Forwarded-Host": "evil.example"}
        assert denial(client, "/echo/", headers=forged) == 400


def test_forwarded_host_is_ignored_unless_trusted() -> None:
    app = App(ROUTES, allowed_hosts=["app.example.com"])
    with Client(app) as client:
        with client.websocket(
            "/echo/", headers={"Host": "app.example.com", "X-Forwarded-Host": "evil.example"}
        ):
            pass
        assert (
            denial(
                client,
                "/echo/",
                headers={"Host": "10.0.0.5", "X-Forwarded-Host": "app.example.com"},
            )
            == 400
        )


def test_oversized_message_closes_with_1009(client: Client) -> None:
    with client.websocket("/text/") as ws:
        ws.send_text("x" * 100)
        assert ws.receive_text() == "x" * 100
        ws.send_text("é" * 51)  # 51 characters, 102 bytes in UTF-8
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 1009
    assert closed_with == [1009]


def test_binary_message_where_text_is_expected_closes_with_1003(client: Client) -> None:
    with client.websocket("/text/") as ws:
        ws.send_bytes(b"\x00\x01")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 1003


def test_malformed_json_closes_with_1007(client: Client) -> None:
    with client.websocket("/json/") as ws:
        ws.send_json([1])
        assert ws.receive_json() == [1]
        ws.send_text("{not json")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 1007
    assert closed_with == [1007]


def test_handler_exception_closes_with_1011_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.ERROR, logger="legato.request"),
        Client(App(ROUTES), raise_request_exception=False) as client,
        client.websocket("/fails/") as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        ws.receive_text()
    assert closed.value.code == 1011
    assert "secret" not in closed.value.reason
    assert "tests.handlers.test_websocket.fails for /fails/" in caplog.text
    assert "LookupError: secret internal detail" in caplog.text


def test_handler_exception_before_accept_is_a_500_without_details() -> None:
    with (
        Client(App(ROUTES), raise_request_exception=False) as client,
        pytest.raises(WebSocketDenied) as denied,
        client.websocket("/fails-early/"),
    ):
        pass
    assert denied.value.status_code == 500
    assert b"secret" not in denied.value.body


def test_handler_exception_is_re_raised_in_the_test_by_default(client: Client) -> None:
    with pytest.raises(LookupError, match="secret"), client.websocket("/fails/") as ws:
        ws.receive_text()


def test_reverse_works_inside_a_websocket_handler(client: Client) -> None:
    with client.websocket("/room/lobby/") as ws:
        assert ws.receive_text() == "/room/lobby/"


def test_shutdown_closes_open_connections_with_1001() -> None:
    async def main() -> int | None:
        client = AsyncClient(App(ROUTES))
        await client.__aenter__()
        async with client.websocket("/wait/") as ws:
            await client.aclose()  # the app shuts down while the socket is open
            message = await ws.receive()
            return message.get("code")

    closed_with.clear()
    assert asyncio.run(main()) == 1001
    assert closed_with == [1001]


def test_new_connections_are_refused_while_shutting_down() -> None:
    async def main() -> int:
        app = App(ROUTES)
        client = AsyncClient(app)
        await client.__aenter__()
        await client.aclose()
        try:
            async with client.websocket("/echo/"):
                pass
        except WebSocketDenied as denied:
            return denied.status_code
        return 0

    assert asyncio.run(main()) == 503


# ---------------------------------------------------------------- origin parsing and policy,
# properties over generated input

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
hosts = st.lists(labels, min_size=1, max_size=4).map(".".join)
ports = st.integers(min_value=1, max_value=65535)
schemes = st.sampled_from(["http", "https"])


@given(st.text(max_size=200))
def test_parse_origin_never_raises(text: str) -> None:
    result = parse_origin(text)
    if result is not None:
        scheme, host, port = result
        assert scheme.isalpha()
        assert scheme == scheme.lower()
        assert host
        assert host == host.lower()
        assert port == "" or port.isdigit()


@given(schemes, hosts, ports)
def test_parse_origin_round_trips_well_formed_origins(scheme: str, host: str, port: int) -> None:
    default = {"http": 80, "https": 443}[scheme]
    expected_port = "" if port == default else str(port)
    assert parse_origin(f"{scheme}://{host}:{port}") == (scheme, host, expected_port)
    assert parse_origin(f"{scheme.upper()}://{host.upper()}") == (scheme, host, "")


@given(schemes, hosts, st.sampled_from(["/", "/path", "?q", "#f", "@x", " "]))
def test_parse_origin_refuses_anything_beyond_scheme_host_port(
    scheme: str, host: str, tail: str
) -> None:
    assert parse_origin(f"{scheme}://{host}{tail}") is None


@given(schemes, hosts, st.one_of(st.none(), ports))
def test_same_host_and_port_is_always_allowed(scheme: str, host: str, port: int | None) -> None:
    netloc = host if port is None else f"{host}:{port}"
    assert OriginPolicy([]).allows(f"{scheme}://{netloc}", netloc)


@given(schemes, hosts, hosts)
def test_a_different_host_is_refused_unless_listed(scheme: str, host: str, other: str) -> None:
    policy = OriginPolicy([])
    if host != other:
        assert not policy.allows(f"{scheme}://{other}", host)
    assert OriginPolicy([f"{scheme}://{other}"]).allows(f"{scheme}://{other}", host)


@given(hosts, hosts)
def test_wildcard_entries_match_the_domain_and_its_subdomains_only(sub: str, domain: str) -> None:
    policy = OriginPolicy([f"https://*.{domain}"])
    assert policy.allows(f"https://{sub}.{domain}", "server")
    assert policy.allows(f"https://{domain}", "server")
    assert not policy.allows(f"https://{sub}{domain}", "server") or sub.endswith("." + domain)
    assert not policy.allows(f"http://{sub}.{domain}", "server")


def test_default_ports_are_the_same_as_none() -> None:
    policy = OriginPolicy([])
    assert policy.allows("https://example.com", "example.com:443")
    assert policy.allows("http://example.com:80", "example.com")
    assert not policy.allows("http://example.com:8080", "example.com")


@pytest.mark.parametrize("entry", ["example.com", "https://", "https://a.com/path", ""])
def test_malformed_entries_are_refused(entry: str) -> None:
    from legato.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="is not an origin"):
        OriginPolicy([entry])


def test_reverse_inside_a_websocket_handler_includes_the_forced_mount_point() -> None:
    with (
        Client(App(ROUTES, force_script_name="/chat/")) as client,
        client.websocket("/room/lobby/") as ws,
    ):
        assert ws.receive_text() == "/chat/room/lobby/"


@pytest.mark.anyio
async def test_a_websocket_under_root_path_resolves_below_it_and_reverses_with_it() -> None:
    # What `uvicorn --root-path /chat` sends: the path includes the mount point.
    app = App(ROUTES)
    scope = {
        "type": "websocket",
        "path": "/chat/room/lobby/",
        "root_path": "/chat",
        "headers": [(b"host", b"testserver")],
        "query_string": b"",
        "subprotocols": [],
    }
    incoming = [{"type": "websocket.connect"}]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        if incoming:
            return incoming.pop()
        await asyncio.sleep(0)
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), timeout=5)
    assert sent[0]["type"] == "websocket.accept"
    assert sent[1] == {"type": "websocket.send", "text": "/chat/room/lobby/"}


async def reads_a_signed_cookie(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_text(str(unsign_cookie({}, "session", default="none")))


def test_signed_cookies_can_be_read_inside_a_websocket_handler() -> None:
    routes = [websocket("signed/", reads_a_signed_cookie)]
    with Client(App(routes, secret_key="k" * 50)) as client, client.websocket("/signed/") as ws:
        assert ws.receive_text() == "none"
