"""Finding the community server on the LAN (issue 13.8): the admin screen's 查找服务器 browses for the mDNS / DNS-SD
service the server announces (server/advertise.py, protocol.SERVICE_TYPE) and lists what answers; a tap puts the
address where pairing sends its code. The address can still be typed or come from the config file.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sync import protocol

log = logging.getLogger(__name__)

WAIT_S = 4.0   # how long one search listens: servers answer within a second; a busy Wi-Fi may take longer


@dataclass(frozen=True)
class Found:
    name: str                 # the server's posts' names, as it announces them
    url: str                  # the address the kiosk sends its requests to
    posts: tuple[str, ...]    # post codes served there
    version: str


def _on_my_network(address: str) -> bool:
    """A server with several networks (Wi-Fi and cable, a container bridge) announces every address: prefer one
    on a network this kiosk is on."""
    import ipaddress

    import ifaddr

    ip = ipaddress.IPv4Address(address)
    return any(ip in ipaddress.IPv4Network(f"{a.ip}/{a.network_prefix}", strict=False)
               for adapter in ifaddr.get_adapters() for a in adapter.ips if a.is_IPv4)


def _found(info) -> Found | None:
    from zeroconf import IPVersion

    txt = {k.decode(errors="replace"): (v or b"").decode(errors="replace") for k, v in info.properties.items()}
    url = txt.get("url", "")
    if not url or protocol.public_url_problem(url):   # no (usable) url: the address it answered from
        addresses = sorted(info.parsed_addresses(IPVersion.V4Only), key=lambda a: not _on_my_network(a))
        if not addresses or not info.port:
            return None
        url = f"http://{addresses[0]}:{info.port}"
    posts = tuple(p for p in txt.get("posts", "").split(",") if p)
    return Found(name=txt.get("name") or info.name.split(".")[0], url=url, posts=posts, version=txt.get("version", ""))


class Search:
    """One search in the background: on_found(Found) for each server as it answers (each url once), then
    on_done(list of Found) after `wait_s`. Both are called on the search's threads: a GUI hands them to its
    own loop. `interfaces`: this kiosk's addresses to ask on; empty = every interface."""

    def __init__(self, on_found, on_done, *, wait_s: float = WAIT_S, interfaces=()):
        self.on_found, self.on_done, self.wait_s = on_found, on_done, wait_s
        self.interfaces = list(interfaces)
        self.found: dict[str, Found] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> Search:
        threading.Thread(target=self._run, name="discover", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _changed(self, zeroconf, service_type, name, state_change) -> None:
        from zeroconf import ServiceStateChange

        if state_change is not ServiceStateChange.Added or self._stop.is_set():
            return
        info = zeroconf.get_service_info(service_type, name, timeout=2000)
        server = _found(info) if info is not None else None
        if server is None:
            return
        with self._lock:
            if server.url in self.found:
                return
            self.found[server.url] = server
        self.on_found(server)

    def _run(self) -> None:
        from zeroconf import InterfaceChoice, IPVersion, ServiceBrowser, Zeroconf

        zc = None
        try:
            zc = Zeroconf(interfaces=self.interfaces or InterfaceChoice.All, ip_version=IPVersion.V4Only)
            browser = ServiceBrowser(zc, protocol.SERVICE_TYPE, handlers=[self._changed])
            self._stop.wait(self.wait_s)
            browser.cancel()
        except Exception as exc:   # no network at all, an address that is not this kiosk's: nothing found
            log.warning("server search failed: %s", exc)
        finally:
            self._stop.set()
            if zc is not None:
                zc.close()
            with self._lock:
                found = list(self.found.values())
            self.on_done(found)


def find_servers(wait_s: float = WAIT_S, interfaces=()) -> list[Found]:
    """Search for `wait_s` seconds and return what answered (blocking)."""
    done: list[list[Found]] = []
    finished = threading.Event()
    Search(lambda _: None, lambda found: (done.append(found), finished.set()), wait_s=wait_s,
           interfaces=interfaces).start()
    finished.wait(wait_s + 30)
    return done[0] if done else []
