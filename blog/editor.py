"""The editor's upload endpoint: an image dropped, pasted or chosen while writing, stored as an Upload.

The admin's script (static/js/admin-editor.js) posts here; without the script
the uploads inline on the post's page (the Upload admin for pages and blurbs) does the job after a save.
"""

from django.contrib import admin
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from blog.models import Upload


@require_POST
def upload(request):
    """Store one file through the Upload admin's own form: {markdown, url}, or a 4xx {error} a person can act on."""
    model_admin = admin.site.get_model_admin(Upload)
    if not model_admin.has_add_permission(request):
        return JsonResponse({"error": "You may not upload files: ask for the permission to add uploads."}, status=403)
    if "file" not in request.FILES:
        return JsonResponse({"error": "No file arrived: choose, drop or paste an image again."}, status=400)
    # The Upload admin's form, so the checks (content, size, pixels) and the copies are the ones it makes.
    form = model_admin.get_form(request)(request.POST, request.FILES)
    if not form.is_valid():
        messages = [message for errors in form.errors.values() for message in errors]
        return JsonResponse({"error": " ".join(messages)}, status=400)
    item = form.save()
    model_admin.log_addition(request, item, "Uploaded from the editor.")
    return JsonResponse({"markdown": item.markdown(), "url": item.url}, status=201)
