"""Control characters out of text: what readers send, and what goes into XML."""

import re
import unicodedata

# XML 1.0 allows tab, line feed and carriage return among the C0 controls, and
# no surrogates, U+FFFE or U+FFFF: Django's feed writer raises on the rest.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def without_controls(value: str, keep: str = "") -> str:
    """value with its control characters (Unicode category Cc) removed, except those in `keep`.

    One that is a kind of space (vertical tab, form feed, NEL...) becomes a
    space, so that words it separated stay apart: "Dora\\x0bExplorer" reads
    "Dora Explorer".
    """
    return "".join(
        (" " if char.isspace() else "") if unicodedata.category(char) == "Cc" and char not in keep else char
        for char in value
    )


def xml_safe(value):
    """value with what XML 1.0 cannot hold removed; lists, tuples and dicts cleaned inside; anything else as it is."""
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    if isinstance(value, (list, tuple)):
        return type(value)(xml_safe(item) for item in value)
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}
    return value
