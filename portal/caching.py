"""Pages for a signed-in user may show personal data (contact names and phones, SPEC §8): neither a
shared proxy nor the browser's cache may keep them after the user signs out. Downloads already say
so themselves; this covers every other response that did not set its own Cache-Control."""

from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
