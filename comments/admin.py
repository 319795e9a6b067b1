"""The moderation queue in the Django admin."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.views.decorators.http import require_http_methods, require_POST

from comments import admin_confirm, admin_replies, moderation, outbox
from comments.models import Comment, CommentEvent, Notification, SpamReport


class QueueFilter(admin.SimpleListFilter):
    """Opens on the queue; approved, spam and everything are one click away."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        counts = dict(Comment.objects.values_list("status").annotate(n=Count("id")))
        return [(status.value, f"{status.label} ({counts.get(status.value, 0)})") for status in Comment.Status] + [
            ("all", "All")
        ]

    def queryset(self, request, queryset):
        value = self.value() or Comment.Status.PENDING
        if value == "all":
            return queryset
        # An unknown value lists nothing; passed on, a NUL in it was a 500 on PostgreSQL.
        return queryset.filter(status=value) if value in Comment.Status.values else queryset.none()

    def choices(self, changelist):
        current = self.value() or Comment.Status.PENDING
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class CommentEventInline(admin.TabularInline):
    model = CommentEvent
    fk_name = "comment"
    verbose_name = "history entry"
    verbose_name_plural = "History"
    fields = ["created_at", "kind", "actor", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    change_form_template = "admin/comments/comment/change_form.html"
    # Five columns, so the queue fits at 1280 px beside the admin's menu and the filters
    # (tests/browser/test_browser.py): the IP goes under the name, the spam check under the status.
    list_display = ["excerpt", "author", "post_link", "age", "state"]
    list_filter = [QueueFilter, "spam_check"]
    search_fields = ["author_name", "author_email", "body", "ip_address", "post__title"]
    list_select_related = ["post"]
    list_per_page = 50
    date_hierarchy = "created_at"
    actions = ["approve", "mark_spam", "mark_ham", "delete_comments"]
    inlines = [CommentEventInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "post",
        "created_at",
        "ip_address",
        "user_agent",
        "referrer",
        "status",
        "spam_check",
        "spam_checked_at",
        "spam_check_error",
        "akismet_arguments",
        "moderated_at",
        "moderated_by",
        "parent",
        "by_author",
        "notify_replies",
    ]
    fieldsets = [
        (None, {"fields": ["post", "author_name", "author_email", "notify_replies", "author_url", "body"]}),
        ("Status", {"fields": ["status", "moderated_at", "moderated_by", "parent", "by_author"]}),
        (
            "Spam check",
            {"fields": ["spam_check", "spam_checked_at", "spam_check_error", "akismet_arguments"]},
        ),
        ("Sender", {"fields": ["created_at", "ip_address", "user_agent", "referrer"]}),
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Comment")
    def excerpt(self, comment):
        return Truncator(comment.body).chars(80)

    @admin.display(description="Name and IP", ordering="author_name")
    def author(self, comment):
        # <bdi>: a right-to-left name never reorders the rest of the row. The
        # IP under it shows a flood from one address at a glance.
        name = Truncator(comment.author_name).chars(40)
        return format_html('<bdi>{}</bdi><br><span class="quiet">{}</span>', name, comment.ip_address or "no IP")

    @admin.display(description="Post", ordering="post__title")
    def post_link(self, comment):
        title = Truncator(comment.post.title).chars(40)
        return format_html('<a href="{}">{}</a>', comment.post.get_absolute_url(), title)

    @admin.display(description="Status", ordering="status")
    def state(self, comment):
        check = comment.get_spam_check_display()
        # Under the status, not a column of its own: the queue keeps its five columns.
        action = {Comment.Status.PENDING: "Approve and reply", Comment.Status.APPROVED: "Reply"}.get(comment.status)
        reply = ""
        if action:
            url = reverse("admin:comments_comment_reply", args=[comment.pk])
            reply = format_html('<br><a href="{}">{}</a>', url, action)
        return format_html(
            '{}<br><span class="quiet">Spam check: {}</span>{}', comment.get_status_display(), check, reply
        )

    @admin.display(description="Age", ordering="created_at")
    def age(self, comment):
        return timesince(comment.created_at, timezone.now()).split(",")[0]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Deleting goes through moderation.delete, which records the history.
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        count = moderation.approve(queryset, request.user)
        self.message_user(request, f"Approved {count} comment{pluralize(count)}.", messages.SUCCESS)

    @admin.action(description="Mark selected comments as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        marked = moderation.mark_spam(queryset, request.user)
        self._marked(request, f"Marked {marked.changed} comment{pluralize(marked.changed)} as spam.", marked)

    @admin.action(description="Not spam: approve selected comments", permissions=["change"])
    def mark_ham(self, request, queryset):
        marked = moderation.mark_ham(queryset, request.user)
        self._marked(request, f"Approved {marked.changed} comment{pluralize(marked.changed)} as not spam.", marked)

    def _marked(self, request, done, marked):
        told = moderation.reported_to_akismet(marked)
        level = messages.WARNING if marked.reported < marked.changed else messages.SUCCESS
        self.message_user(request, f"{done} {told}".strip(), level)

    @admin.action(description="Delete selected comments", permissions=["delete"])
    def delete_comments(self, request, queryset):
        count = moderation.delete(queryset, request.user)
        self.message_user(request, f"Deleted {count} comment{pluralize(count)}.", messages.SUCCESS)

    def delete_model(self, request, obj):
        moderation.delete([obj], request.user)

    def delete_queryset(self, request, queryset):
        moderation.delete(queryset, request.user)

    def changelist_view(self, request, extra_context=None):
        # Mail trouble is easy to miss: the queue says so until it is fixed.
        failing = Notification.objects.failing().count()
        if failing and request.method == "GET":
            url = reverse("admin:comments_notification_changelist")
            messages.warning(
                request,
                format_html(
                    '{} mail{} about new comments could not be sent: <a href="{}">see the comment mail</a>.',
                    failing,
                    pluralize(failing),
                    url,
                ),
            )
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        moderate = self.admin_site.admin_view(require_POST(self.moderate_view))
        reply = self.admin_site.admin_view(require_http_methods(["GET", "HEAD", "POST"])(self.reply_view))
        confirm = self.admin_site.admin_view(require_http_methods(["GET", "HEAD", "POST"])(self.confirm_view))
        return [
            path("<int:pk>/moderate/<str:action>/", moderate, name="comments_comment_moderate"),
            path("<int:pk>/confirm/<str:action>/", confirm, name="comments_comment_confirm"),
            path("<int:pk>/reply/", reply, name="comments_comment_reply"),
            *super().get_urls(),
        ]

    def reply_view(self, request, pk):
        return admin_replies.reply_view(self, request, pk)

    def confirm_view(self, request, pk, action):
        return admin_confirm.confirm_view(self, request, pk, action)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The reply form under the comment (outside the change form: forms do not nest).
        extra_context = {**(extra_context or {}), "reply_form": admin_replies.AuthorReplyForm()}
        return super().change_view(request, object_id, form_url, extra_context)

    MODERATE_ACTIONS = {
        "approve": (moderation.approve, "Approved."),
        "spam": (moderation.mark_spam, "Marked as spam."),
        "ham": (moderation.mark_ham, "Approved as not spam."),
    }

    def moderate_view(self, request, pk, action):
        """The buttons on one comment's page: one comment, one action."""
        comment = get_object_or_404(Comment, pk=pk)
        if action not in self.MODERATE_ACTIONS or not self.has_change_permission(request, comment):
            messages.error(request, "That action is not available.")
            return redirect("admin:comments_comment_change", pk)
        service, message = self.MODERATE_ACTIONS[action]
        done = service([comment], request.user)
        if isinstance(done, moderation.Marked):
            self._marked(request, message, done)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return redirect(reverse("admin:comments_comment_changelist"))


@admin.register(SpamReport)
class SpamReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "killed", "since_year"]

    def has_add_permission(self, request):
        return not SpamReport.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class NotificationStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("waiting", "To send"), ("failing", "Failing"), ("gave_up", "Gave up"), ("sent", "Sent")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "waiting":
            return queryset.filter(sent_at=None, gave_up=False)
        if value == "failing":
            return queryset.failing()
        if value == "gave_up":
            return queryset.filter(gave_up=True, sent_at=None)
        if value == "sent":
            return queryset.exclude(sent_at=None)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox of the author's comment mail: what went out, what failed and why."""

    list_display = ["comment", "answered", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = [NotificationStateFilter]
    list_select_related = ["comment", "answered"]
    readonly_fields = [
        "comment",
        "answered",
        "created_at",
        "next_attempt_at",
        "attempts",
        "sent_at",
        "recipients",
        "last_error",
    ]
    fields = [*readonly_fields, "gave_up"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send again at the next chance", permissions=["change"])
    def send_again(self, request, queryset):
        count = queryset.filter(sent_at=None).update(next_attempt_at=timezone.now(), gave_up=False)
        outbox.wake()
        self.message_user(request, f"{count} mail{pluralize(count)} will be sent at the next chance.", messages.SUCCESS)
