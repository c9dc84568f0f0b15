"""Facts about a URL that more than one command needs; imports nothing from pipeline."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_local_address(url: str) -> bool:
    """Is `url` on this machine or the local network (a preview, not a publication)?

    >>> is_local_address("http://127.0.0.1:8000/"), is_local_address("https://example.org/")
    (True, False)
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local
