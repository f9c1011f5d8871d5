"""The one exception provider code raises: callers never see a KeyError, a TypeError or a requests error."""

from __future__ import annotations

from mymovielist.redact import redact


class ProviderError(Exception):
    """A provider call failed or answered with data we cannot use.

    `field` names the offending path (e.g. "results[3].release_date") when the response had the
    wrong shape; `status` is the HTTP status when the provider answered with an error. The message
    is redacted: it is printed by the CLI, stored in sync runs and shown to admins.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        field: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.provider = provider
        self.field = field
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        prefix = f"{self.provider}: " if self.provider else ""
        return prefix + super().__str__()


class NotFound(ProviderError):
    """The provider says the resource does not exist (404, or Comic Vine's status_code 101)."""
