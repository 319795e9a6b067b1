"""The page a refused login gets while its address or account is locked out (django-axes)."""

import math

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.apps import apps
from django.contrib import admin
from django.db.models import Max, Q
from django.shortcuts import render
from django.utils import timezone

from escribe.client_ip import client_ip


def lockout_response(request, original_response=None, credentials=None):
    """429 in the admin's look, saying when the login opens again and how the author unlocks it now.

    The lockout lasts the cool-off from the last failure that counted, for
    this address or this account, whichever is later (attempts while locked
    out are not recorded: AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).
    """
    cool_off = get_cool_off(request)
    retry_at = _last_failure(client_ip(request), get_client_username(request, credentials)) + cool_off
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "failure_limit": get_failure_limit(request, credentials),
        "cool_off_minutes": round(cool_off.total_seconds() / 60),
        "retry_at": retry_at,
    }
    response = render(request, "admin/login_locked.html", context, status=429)
    response["Retry-After"] = str(max(1, math.ceil((retry_at - timezone.now()).total_seconds())))
    return response


def _last_failure(address, username):
    matching = Q(pk__in=[])
    if address:
        matching |= Q(ip_address=address)
    if username:
        matching |= Q(username=username)
    # Asked of the app registry: escribe/ imports no app's models, axes' included.
    attempts = apps.get_model("axes", "AccessAttempt")
    last = attempts.objects.filter(matching).aggregate(last=Max("attempt_time"))["last"]
    return last or timezone.now()
