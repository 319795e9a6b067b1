"""Error answers a person can read where Django's own are bare."""

from django.http import HttpResponseNotAllowed
from django.template.loader import render_to_string


class MethodNotAllowedPageMiddleware:
    """Gives Django's empty 405 (require_POST, require_safe, View) a page: opening the comment form's address is one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            allowed = [method.strip() for method in response.get("Allow", "").split(",") if method.strip()]
            return HttpResponseNotAllowed(allowed, render_to_string("405.html", {"allowed": allowed}))
        return response
