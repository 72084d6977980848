"""How a page runs one service call for a button press: a refusal becomes the red message on
the next page, success the green one. Views stay a few lines; the rules stay in the services."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages

from cases.refusals import Refused


def perform(request, action: Callable[[], Any], *, success: str | Callable[[Any], str]) -> bool:
    """Run `action`; show its refusal, or `success` (a message, or a function of the result).
    Returns whether the action was done, for the few views that go on differently."""
    try:
        result = action()
    except Refused as refused:
        for reason in getattr(refused, "reasons", None) or [str(refused)]:
            messages.error(request, reason)
        return False
    messages.success(request, success(result) if callable(success) else success)
    return True
