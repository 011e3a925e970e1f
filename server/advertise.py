"""The community server on the LAN: `community-server serve` announces itself with mDNS / DNS-SD (python-zeroconf,
service type protocol.SERVICE_TYPE), so a kiosk's admin screen finds its address with a tap (kiosk/discover.py).

Where it is announced (COMMUNITY_ADVERTISE, or `serve --no-advertise`):
- unset: where `serve` listens. --host 0.0.0.0: every IPv4 interface; a LAN address: that one; 127.0.0.1 (the
  demo, or behind nginx): this machine only, so nothing leaves it;
- "all" or comma-separated addresses: there. With --host 127.0.0.1 this is a server behind a proxy on this
  machine: the kiosks' address is COMMUNITY_PUBLIC_URL (sent as the TXT property url), which must then be set;
- "off": not announced.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from urllib.parse import urlparse

from sync import protocol

log = logging.getLogger(__name__)

OFF = ("off", "0", "no", "false")
TXT_MAX = 200   # one TXT string is at most 255 bytes with its key


class AdvertiseError(ValueError):
    pass


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def _lan_addresses() -> list[str]:
    import ifaddr

    return sorted({ip.ip for a in ifaddr.get_adapters() for ip in a.ips
                   if ip.is_IPv4 and not ipaddress.ip_address(ip.ip).is_loopback})


def plan(host: str, port: int, setting: str, public_url: str) -> dict | None:
    """Where and what to announce: {"interfaces", "addresses", "port", "url"}; None when off.
    AdvertiseError (one line for the log) when the setting cannot work."""
    setting = setting.strip().lower()
    if setting in OFF:
        return None
    url = ""
    if not setting:
        if host in ("", "0.0.0.0", "::"):
            addresses = _lan_addresses()
        else:
            addresses = ["127.0.0.1"] if _loopback(host) else [host]
    else:
        addresses = _lan_addresses() if setting == "all" else [a.strip() for a in setting.split(",") if a.strip()]
        for a in addresses:
            try:
                ipaddress.IPv4Address(a)
            except ValueError:
                raise AdvertiseError(f"COMMUNITY_ADVERTISE: {a!r} is not an IPv4 address (or use all / off)") from None
        if _loopback(host):   # behind a proxy: kiosks cannot reach waitress itself
            if not public_url:
                raise AdvertiseError("COMMUNITY_ADVERTISE with --host 127.0.0.1 (behind a proxy) needs "
                                     "COMMUNITY_PUBLIC_URL, the address kiosks reach the proxy at")
            url = public_url
            u = urlparse(public_url)
            port = u.port or (443 if u.scheme == "https" else 80)
    if not addresses:
        raise AdvertiseError("no IPv4 address to announce the server on")
    return {"interfaces": addresses, "addresses": addresses, "port": port, "url": url}


def _txt(posts: list[tuple[str, str]], version: str, url: str) -> dict[str, str]:
    names = "、".join(name for _, name in posts) or socket.gethostname()
    txt = {"name": names[:60], "posts": ",".join(code for code, _ in posts)[:TXT_MAX], "version": version[:32],
           "protocol": str(protocol.PROTOCOL_VERSION)}
    if url:
        txt["url"] = url
    return txt


class Advertiser:
    """One zeroconf instance announcing this server; start() returns at once (probing takes about 1.5 s)."""

    def __init__(self, where: dict, posts: list[tuple[str, str]], version: str):
        self.where = where
        host = socket.gethostname().split(".")[0] or "server"
        # unique per machine and port, so two servers on one machine (tests, a second instance) never clash
        self.name = f"xingfu {host} {where['port']}.{protocol.SERVICE_TYPE}"
        self.txt = _txt(posts, version, where["url"])
        self.zc = None
        self.ready = threading.Event()

    def start(self) -> Advertiser:
        threading.Thread(target=self._register, name="advertise", daemon=True).start()
        return self

    def _register(self) -> None:
        from zeroconf import IPVersion, ServiceInfo, Zeroconf

        try:
            self.zc = Zeroconf(interfaces=self.where["interfaces"], ip_version=IPVersion.V4Only)
            info = ServiceInfo(protocol.SERVICE_TYPE, self.name, port=self.where["port"], properties=self.txt,
                               parsed_addresses=self.where["addresses"],
                               server=f"{self.name.split('.')[0].replace(' ', '-')}.local.")
            self.zc.register_service(info, allow_name_change=True)
            log.info("announced by mDNS as %r at %s", self.name, ", ".join(self.where["addresses"]))
        except Exception as exc:   # serving the kiosks matters more than being found: say why, serve on
            log.warning("not announced on the LAN (mDNS): %s", exc)
        finally:
            self.ready.set()

    def stop(self) -> None:
        if self.zc is not None:
            self.zc.close()   # sends the goodbye: kiosks that look again no longer find it


def start(host: str, port: int, setting: str, public_url: str) -> Advertiser | None:
    """Announce the server as `plan` says, with the posts' codes and names from the database."""
    from importlib.metadata import version

    from server.core.models import Post

    try:
        where = plan(host, port, setting, public_url)
    except AdvertiseError as exc:
        log.warning("not announced on the LAN: %s", exc)
        return None
    if where is None:
        return None
    posts = list(Post.objects.order_by("code").values_list("code", "name"))
    return Advertiser(where, posts, version("xingfu-kiosk")).start()
