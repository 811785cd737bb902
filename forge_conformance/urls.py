"""``NAME=URL``: how a running implementation is named, wherever one is judged.

``forge conformance --url`` and the suite's ``pytest --forge-url`` read the same
syntax, so one parser serves both; each turns its ``ValueError`` into its own usage
error.
"""

from collections.abc import Iterable


def parse_named_urls(options: Iterable[str]) -> dict[str, str]:
    """``NAME=URL`` options as {name: base URL}, in the order given.

    The URL must be HTTP or HTTPS; a trailing slash is dropped, since the case paths
    bring their own.
    """
    urls: dict[str, str] = {}
    for option in options:
        name, separator, url = option.partition("=")
        if not separator or not name or not url.startswith(("http://", "https://")):
            raise ValueError(f"{option!r}: want NAME=http://host:port")
        import httpx  # only once there is a URL to read: `forge --help` needs none

        try:
            host = httpx.URL(url).host
        except httpx.InvalidURL as error:  # a port that is not a number, say
            raise ValueError(f"{option!r}: {error}") from None
        if not host:
            raise ValueError(f"{option!r}: the URL names no host")
        if name in urls:
            raise ValueError(f"{option!r}: a second URL named {name}")
        urls[name] = url.rstrip("/")
    return urls
