"""HTML read as a browser reads it, for tests that look at tags and attributes rather than at the markup's text."""

from html.parser import HTMLParser


class Parsed(HTMLParser):
    """What a browser would make of the HTML: its start tags with decoded attributes (quotes in text are not
    attributes), and its text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def names(self):
        return {tag for tag, _ in self.tags}

    def links(self):
        return [attrs for tag, attrs in self.tags if tag == "a"]
