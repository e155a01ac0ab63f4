"""The one error type of a search, with a stable code.

Everything that can go wrong between "here is an image" and "here is the answer" ends as a
`SearchError`. The code is stable (logs, metrics, stored history and translations key on it);
`detail` is for logs and never holds a secret; the sentence a person reads comes from
`bot.present`, keyed by the code.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # DashScope and the account
    AUTH = "auth"  # key refused (also: key of another region)
    QUOTA = "quota"  # account in arrears or quota allocation used up
    RATE_LIMITED = "rate_limited"  # throttled by DashScope
    ACCESS_DENIED = "access_denied"  # key may not use this model or workspace
    MODEL_NOT_FOUND = "model_not_found"
    MODERATED = "moderated"  # content inspection refused the input or the output
    BAD_REQUEST = "bad_request"  # DashScope refused the request for another reason
    UNAVAILABLE = "unavailable"  # 5xx, connection refused, model not serving
    TIMEOUT = "timeout"  # no event for too long
    INTERRUPTED = "interrupted"  # the stream ended before the answer was complete
    INCOMPLETE = "incomplete"  # the model stopped early (e.g. output token limit)
    PROTOCOL = "protocol"  # the stream said something we cannot understand
    CANCELLED = "cancelled"  # a person pressed Cancel, or the bot shut down
    # The image
    BAD_IMAGE = "bad_image"  # DashScope refused the image (size, format, download)
    NOT_AN_IMAGE = "not_an_image"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_TOO_SMALL = "image_too_small"
    IMAGE_SHAPE = "image_shape"  # aspect ratio beyond 200:1
    UNREACHABLE = "unreachable"  # the link could not be downloaded
    BLOCKED_ADDRESS = "blocked_address"  # the link points into a private network
    BAD_LINK = "bad_link"  # not an http(s) link
    # The person's input
    QUESTION_TOO_LONG = "question_too_long"
    BOT_STOPPED = "bot_stopped"  # the bot was stopped or restarted while the search ran
    STORAGE = "storage"  # the bot's own database did not answer (quotas cannot be checked)


# Codes where the same request, tried again a little later, may well succeed.
_RETRYABLE = frozenset(
    {
        ErrorCode.RATE_LIMITED,
        ErrorCode.UNAVAILABLE,
        ErrorCode.TIMEOUT,
        ErrorCode.INTERRUPTED,
        ErrorCode.UNREACHABLE,
    }
)


class SearchError(Exception):
    """A failed search: `code` is stable, `detail` is safe to log (no secrets)."""

    def __init__(self, code: ErrorCode, detail: str = "", *, retryable: bool | None = None):
        self.code = code
        self.detail = detail
        self.retryable = code in _RETRYABLE if retryable is None else retryable
        super().__init__(f"{code.value}: {detail}" if detail else code.value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SearchError):
            return NotImplemented
        return (self.code, self.detail, self.retryable) == (
            other.code,
            other.detail,
            other.retryable,
        )

    def __hash__(self) -> int:
        return hash((self.code, self.detail, self.retryable))

    def __repr__(self) -> str:
        return f"SearchError({self.code.value!r}, {self.detail!r}, retryable={self.retryable})"
