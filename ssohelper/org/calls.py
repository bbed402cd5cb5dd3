"""One way to make an IAM or Organizations call: under the call deadline, pages fetched one deadline each."""

from __future__ import annotations

from typing import Any

from ssohelper.aws import clients, deadline

DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}


def is_denied(exc: BaseException) -> bool:
    return clients.error_code(exc) in DENIED_CODES


def call(client: Any, operation: str, *, paged: str | None = None, **params: Any) -> Any:
    """``client.operation(**params)``; with ``paged``, every page's items under that key."""
    what = name(client, operation)
    if paged is None:
        return deadline.run(what, lambda: getattr(client, operation)(**params))
    pages = client.get_paginator(operation).paginate(**params)
    items: list[Any] = []
    for page in _pages(what, pages):
        items.extend(page.get(paged, []))
    return items


def name(client: Any, operation: str) -> str:
    """The call as AWS names it: ``Organizations ListRoots``, ``IAM GetCredentialReport``."""
    meta = getattr(client, "meta", None)
    if meta is None:  # a test's stand-in for IAM
        return f"IAM {operation}"
    return f"{meta.service_model.service_id} {meta.method_to_api_mapping.get(operation, operation)}"


def _pages(what: str, pages: Any) -> Any:
    from ssohelper.aws.portal import each_page

    return each_page(what, pages)
