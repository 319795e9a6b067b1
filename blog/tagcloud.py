"""The tag cloud ("Pile o'Tags"): the order tags are listed in and their weights."""

import math
import unicodedata

WEIGHT_STEPS = 6


def weigh(tags, steps=WEIGHT_STEPS):
    """Set `tag.weight` (1..steps) on tags annotated with `post_count`.

    Logarithmic, so that one huge tag does not flatten every other into the
    smallest size.
    """
    counts = [tag.post_count for tag in tags if tag.post_count > 0]
    if not counts:
        return tags
    low, high = math.log(min(counts)), math.log(max(counts))
    spread = high - low
    for tag in tags:
        if tag.post_count <= 0:
            tag.weight = 1
        elif spread == 0:
            tag.weight = (steps + 1) // 2
        else:
            tag.weight = 1 + round((math.log(tag.post_count) - low) / spread * (steps - 1))
    return tags


def alphabetical(tags):
    """Tags in the one order readers see them in, on /tags/ and in the sidebar alike.

    Ignoring case and accents ("apple", "Banana", "Élan", "zope"), then by
    name so that two spellings never swap places. Sorted here, not by the
    database: SQLite's LOWER() leaves "É" alone and would put it after "z".
    """
    return sorted(tags, key=_reading_order)


def _reading_order(tag):
    letters = unicodedata.normalize("NFKD", tag.name.casefold())
    return "".join(letter for letter in letters if not unicodedata.combining(letter)), tag.name
