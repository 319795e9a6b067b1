"""Running axe-core (from npm, package.json) in a Chromium page and reporting what it finds."""

import json
from pathlib import Path

from tests.support.system import missing

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus Deque's best practices
# (one main landmark, unique landmark names, no skipped heading levels...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


def axe_source():
    """axe.min.js's text; skips visibly when npm has not installed it, fails under CI."""
    if not AXE_JS.is_file():
        missing(f"axe-core is not installed in {AXE_JS.parent.parent} (`make test` runs `npm ci`)")
    return AXE_JS.read_text()


def axe_violations(page, source):
    """axe-core's violations on the page as loaded, as a list of dicts (empty when it passes)."""
    # evaluate() runs through the DevTools protocol, which the page's
    # Content-Security-Policy (script-src 'none') does not govern; a <script>
    # tag added to the page would be blocked by it.
    page.evaluate(source)
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(results => results.violations)",
        AXE_TAGS,
    )


def report(violations):
    """A readable account: rule, impact, what to fix, where, and the rule's help page."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


SERIOUS = ("serious", "critical")


def axe_findings(page, visits, *, impacts=None):
    """axe on each page `visits` stops at, reported together ("" when it finds nothing).

    `visits` is an iterable (a generator, usually) that brings `page` to one page
    after another and yields a name for each; `impacts` keeps only violations of
    those impacts (SERIOUS: axe's "serious" and "critical"), every one when None.
    """
    source = axe_source()
    found = []
    for name in visits:
        violations = axe_violations(page, source)
        violations = [v for v in violations if impacts is None or v["impact"] in impacts]
        if violations:
            found.append(f"{name}:\n{report(violations)}")
    return "\n".join(found)
