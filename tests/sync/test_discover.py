"""The community server is found on the LAN (issue 13.8): the real `community-server serve` announces itself by
mDNS / DNS-SD (server/advertise.py) and the kiosk's browsing code (kiosk/discover.py) finds it, with its posts, and
pairs with the address found. Multicast here stays on loopback: a server on 127.0.0.1 announces itself there only
(plan() below) and the kiosk asks on 127.0.0.1 only, so no test sends anything to the machine's LAN."""

from __future__ import annotations

import time

import pytest

from kiosk.discover import find_servers
from server.advertise import AdvertiseError, plan
from sync.client import pair
from tests.sync.realserver import RealServer, running

LOOPBACK = ["127.0.0.1"]


def _find(url: str, deadline_s: float = 60):
    """Search until the server at `url` answers: it announces itself about 2 s after it starts serving."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        found = {s.url: s for s in find_servers(3.0, LOOPBACK)}
        if url in found:
            return found[url]
    raise AssertionError(f"{url} not found by mDNS within {deadline_s} s")


def test_the_kiosk_finds_the_running_server_and_pairs_with_the_address_found(tmp_path):
    with running(tmp_path / "srv") as srv:
        found = _find(srv.url)
        assert found.name == "王家庄" and found.posts == ("WJZ1",) and found.version
        code = srv.cli_json("add-kiosk", "--post", "WJZ1", "--pairing")["pairing_code"]
        assert pair(found.url, code)["post"] == "WJZ1"


def test_behind_a_proxy_the_announced_address_is_the_public_one(tmp_path):
    """waitress on 127.0.0.1 behind nginx: kiosks must use the proxy's address, announced as the TXT url."""
    srv = RealServer(tmp_path / "srv")
    srv.env.update(COMMUNITY_ADVERTISE="127.0.0.1", COMMUNITY_PUBLIC_URL="https://xingfu.example:8443")
    srv.setup_post_and_kiosk()
    srv.start()
    try:
        assert _find("https://xingfu.example:8443").posts == ("WJZ1",)
    finally:
        srv.stop()


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_server_told_not_to_announce_itself_is_not_found(tmp_path, how):
    srv = RealServer(tmp_path / "srv")
    if how == "env":
        srv.env["COMMUNITY_ADVERTISE"] = "off"
    else:
        srv.serve_args = ["--no-advertise"]
    with running(tmp_path / "loud") as loud:
        srv.start()
        try:
            _find(loud.url)        # the search hears the server started before it...
            assert srv.url not in {s.url for s in find_servers(3.0, LOOPBACK)}   # ...and never the quiet one
        finally:
            srv.stop()


def test_where_the_server_is_announced():
    assert plan("127.0.0.1", 8700, "", "") == {"interfaces": LOOPBACK, "addresses": LOOPBACK, "port": 8700, "url": ""}
    assert plan("192.168.1.20", 8700, "", "")["addresses"] == ["192.168.1.20"]
    from server.advertise import _lan_addresses

    if _lan_addresses():   # every IPv4 address of the machine but loopback (nothing is sent: plan only)
        assert plan("0.0.0.0", 8700, "", "")["addresses"] == _lan_addresses()
    else:
        with pytest.raises(AdvertiseError, match="no IPv4 address"):
            plan("0.0.0.0", 8700, "", "")
    assert plan("0.0.0.0", 8700, "off", "") is None
    behind = plan("127.0.0.1", 8700, "192.168.1.20", "https://xingfu.example")
    assert behind == {"interfaces": ["192.168.1.20"], "addresses": ["192.168.1.20"], "port": 443,
                      "url": "https://xingfu.example"}
    with pytest.raises(AdvertiseError, match="COMMUNITY_PUBLIC_URL"):
        plan("127.0.0.1", 8700, "all", "")
    with pytest.raises(AdvertiseError, match="not an IPv4 address"):
        plan("0.0.0.0", 8700, "wlan0", "")


def test_of_a_servers_addresses_the_one_on_the_kiosks_network_is_used():
    """A server on Wi-Fi and cable (or with a container bridge) announces every address; the kiosk takes one it
    can reach. Here: 10.9.9.9 is on no network of this machine, 127.0.0.1 is."""
    from zeroconf import ServiceInfo

    from kiosk.discover import _found
    from sync import protocol

    info = ServiceInfo(protocol.SERVICE_TYPE, f"x.{protocol.SERVICE_TYPE}", port=8700, server="x.local.",
                       parsed_addresses=["10.9.9.9", "127.0.0.1"], properties={"name": "王家庄", "posts": "WJZ1,WJZ2"})
    assert _found(info).url == "http://127.0.0.1:8700" and _found(info).posts == ("WJZ1", "WJZ2")
    bad_url = ServiceInfo(protocol.SERVICE_TYPE, f"y.{protocol.SERVICE_TYPE}", port=8700, server="y.local.",
                          parsed_addresses=["127.0.0.1"], properties={"url": "javascript:alert(1)"})
    assert _found(bad_url).url == "http://127.0.0.1:8700"   # an unusable url property: the address it answered from
