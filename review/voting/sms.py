"""The vote's SMS now goes through the portal's text messages (sms/: queued, retried, capped).

Kept so the old dotted paths in settings (VOTE_SMS_GATEWAY=review.voting.sms.ConsoleGateway or
...MemoryGateway) keep naming the same classes.
"""

from sms.gateways import ConsoleGateway, MemoryGateway, get_gateway as gateway  # noqa: F401
