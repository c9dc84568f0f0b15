"""What a base_url may be, and whether it is this machine: the one place that parses hosts.

Ground floor: config validation, the CLI (CI's automatic restore) and validate
all ask the same two questions, so a disguised loopback (`127.1`, `2130706433`,
`0x7f000001`, `[::1]`, `localhost.`) is seen as local everywhere, or nowhere.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

# what inet_aton accepts: dotted parts in decimal, octal or hex, 1 to 4 of them
_INET_ATON_SHAPE = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")
# a host name: no space, control character or URL delimiter (IDN letters are fine)
_HOST_NAME = re.compile(r"^[^\s\x00-\x1f\x7f<>\"{}|\\^`%/?#@\[\]:]+$")


def host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address `host` spells, in any form a resolver accepts without DNS, or None.

    >>> str(host_address("127.1")), str(host_address("2130706433")), str(host_address("[::1]"))
    ('127.0.0.1', '127.0.0.1', '::1')
    >>> host_address("example.org") is None
    True
    """
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    host = host.split("%", 1)[0]  # an IPv6 zone ("fe80::1%eth0") says which link, not which host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _INET_ATON_SHAPE.match(host):
            return None
        try:  # the shorthand forms curl, browsers and urllib's getaddrinfo all accept
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_local_address(url: str) -> bool:
    """Is `url` on this machine or the local network (a preview, not a publication)?

    >>> is_local_address("http://127.0.0.1:8000/"), is_local_address("https://example.org/")
    (True, False)
    >>> is_local_address("http://0x7f000001/"), is_local_address("http://localhost./")
    (True, True)
    """
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    name = host.rstrip(".")
    if name == "localhost" or name.endswith((".localhost", ".local")):
        return True
    address = host_address(host)
    if address is None:
        return False
    return (
        address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified
    )


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be a show's base_url (where output/ is published), or None.

    The message never repeats a password: a base_url is printed and published.

    >>> base_url_problem("https://example.org/show/") is None
    True
    >>> "secret" in base_url_problem("https://me:secret@example.org/")
    False
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError: not a number, or outside 0-65535
    except ValueError as exc:
        return f'{redacted(url)!r} is not a URL ({exc}); use e.g. "https://example.org/show/"'
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return (
            f"{redacted(url)!r} is not an absolute http(s) URL; "
            'use e.g. "https://example.org/show/"'
        )
    if "@" in parts.netloc:
        return (
            "must not carry a user name or password (they would be published in the feed); "
            "remove the part before @"
        )
    if parts.query or parts.fragment or url.rstrip().endswith(("?", "#")):
        return (
            f"{url!r} has a query or fragment (?… or #…); every enclosure URL is made by "
            "appending a file name, so give the folder only, ending in /"
        )
    host = parts.hostname or ""
    if port == 0 or (parts.netloc.endswith(":") and port is None):
        return f"{url!r} has no valid port; use 1 to 65535, or none"
    if host_address(host) is None and (
        not _HOST_NAME.match(host) or ".." in host or host.startswith(".")
    ):
        return f"{url!r}: {host!r} is not a host name (no spaces or odd characters)"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return f"{url!r} contains a space or a control character; encode it as %20"
    return None


def redacted(url: str) -> str:
    """`url` with any user name and password replaced by '***', for messages.

    >>> redacted("https://me:pw@example.org/x/")
    'https://***@example.org/x/'
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return f"{scheme}{sep}{netloc}{slash}{path}"
