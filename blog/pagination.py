"""Pages of posts without COUNT(*): one extra row tells whether an older page exists."""

from django.http import Http404


class LookaheadPage:
    """The parts of Django's Page that the templates use, without a total."""

    def __init__(self, rows, number, per_page):
        self.number = number
        self._has_next = len(rows) > per_page
        self.object_list = rows[:per_page]

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def lookahead_page(queryset, number, per_page):
    """Page `number` (1-based) of queryset; 404 past the last page."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Http404("No such page.") from None
    if number < 1:
        raise Http404("No such page.")
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    if not rows and number > 1:
        raise Http404("No such page.")
    return LookaheadPage(rows, number, per_page)
