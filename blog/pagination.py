"""Pages of posts whose total is known without counting them."""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """Django's Paginator, told the total instead of counting it: counting every post grows with the blog."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count
