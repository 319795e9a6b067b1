"""Weights for the tag cloud ("Pile o'Tags")."""

import math

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
