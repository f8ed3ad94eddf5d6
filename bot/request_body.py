"""Request bodies read with a size limit, refused before they are read whole."""

from __future__ import annotations

from typing import Final

from starlette.requests import Request

__all__ = ["DEFAULT_MAX_REQUEST_BYTES", "BodyTooLarge", "read_limited"]

# Slack's largest requests (a modal's state, a verdict message's blocks in a button press) and
# Teams' activities stay well under this; a 10 MB body is nobody's answer.
DEFAULT_MAX_REQUEST_BYTES: Final = 1024 * 1024


class BodyTooLarge(ValueError):
    """The request body is larger than the limit (answer 413)."""


async def read_limited(request: Request, max_bytes: int) -> bytes:
    """The whole body, or BodyTooLarge as soon as it is known to exceed `max_bytes`: from its
    Content-Length before a byte is read, else while it streams in (chunked bodies)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(declared)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)
