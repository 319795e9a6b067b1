"""Jekyll's, Octopress's and Hugo's code blocks ({% codeblock %}, {% highlight %}, {{< highlight >}}) as fences."""

import re

from moving.fences import Fences, fence_for

# Block tags on a line of their own, converted to fences; their ends.
_CODE_BLOCK_RE = re.compile(
    r"[ \t]*(?:\{%-?[ \t]*(?P<liquid>codeblock|highlight)\b(?P<args>.*?)-?%\}"
    r"|\{\{[<%][ \t]*(?P<hugo>highlight)\b(?P<hugo_args>.*?)[>%]\}\})[ \t]*"
)
_CODE_BLOCK_END_RE = {
    "codeblock": re.compile(r"[ \t]*\{%-?[ \t]*endcodeblock[ \t]*-?%\}[ \t]*"),
    "highlight": re.compile(r"[ \t]*\{%-?[ \t]*endhighlight[ \t]*-?%\}[ \t]*"),
    "hugo": re.compile(r"[ \t]*\{\{[<%][ \t]*/highlight[ \t]*[>%]\}\}[ \t]*"),
}
_LIQUID_TAG_RE = re.compile(r"\{%-?[ \t]*(?P<name>\w+)[^%]*?-?%\}")
# Converted elsewhere: Octopress's {% img %} and Hugo's figure by moving/markdown/assets.py, which notes what it cannot.
_CONVERTED_ELSEWHERE = {"img", "figure"}
_SHORTCODE_RE = re.compile(r"\{\{[<%][ \t]*(?P<name>/?[\w./-]+)[^}]*?[>%]\}\}")


def convert_code_blocks(body: str, first_line: int = 1) -> tuple[str, list[str]]:
    """Jekyll's, Octopress's and Hugo's code blocks as the engine's fences; notes on tags left as text.

    ``` python file.py (a space before the language) becomes ```python file.py;
    {% codeblock lang:python file.py %}, {% highlight python %} and Hugo's
    {{< highlight python >}} blocks become fences. Any other Liquid tag or
    Hugo shortcode outside code is noted (with its line, the body's first
    being `first_line`) and left as it is.
    """
    lines = body.splitlines(keepends=True)
    out, notes = [], []
    number, fences = 0, Fences()
    while number < len(lines):
        line = lines[number]
        text = line.rstrip("\n")
        number += 1
        code, opening = fences.feed(text)
        if opening and opening["info"].strip():
            out.append(f"{opening['indent']}{opening['fence']}{opening['info'].strip()}" + line[len(text) :])
            continue
        if code:
            out.append(line)
            continue
        block = _CODE_BLOCK_RE.fullmatch(text)
        if block:
            kind = "hugo" if block["hugo"] else block["liquid"]
            ends = _CODE_BLOCK_END_RE[kind]
            end = next((i for i in range(number, len(lines)) if ends.fullmatch(lines[i].rstrip("\n"))), None)
            if end is not None:
                out.append(_fenced(kind, block["hugo_args"] if kind == "hugo" else block["args"], lines[number:end]))
                out.append(lines[end][len(lines[end].rstrip("\n")) :])
                number = end + 1
                continue
            notes.append(f"line {number + first_line - 1}: {text.strip()} is never closed; left as text.")
        for tag in _LIQUID_TAG_RE.finditer(text):
            if tag["name"] in _CONVERTED_ELSEWHERE:
                continue
            notes.append(f"line {number + first_line - 1}: unknown Liquid tag {tag[0]} left as text.")
        for shortcode in _SHORTCODE_RE.finditer(text):
            if shortcode["name"] in _CONVERTED_ELSEWHERE:
                continue
            notes.append(f"line {number + first_line - 1}: Hugo shortcode {shortcode[0]} left as text.")
        out.append(line)
    return "".join(out), notes


def _fenced(kind, args, code_lines):
    """One converted code block as a fence, without the newline after its closing line.

    The block's options go on the fence's opening line in a spelling the
    renderer reads (blog/fences.py), so they are honoured or warned about.
    """
    language, info = "", ""
    if kind == "codeblock":
        # {% codeblock [title] [lang:language] [url [link text]] [start:N] [mark:N] [linenos:false] %}:
        # Octopress takes the options from anywhere, then title, url and link text from what is left.
        caption, options, link = [], [], []
        for word in args.split():
            if word.startswith("lang:") and not link:
                language = word.removeprefix("lang:")
            elif re.match(r"(start|mark|linenos):", word):
                options.append(word)
            elif link or word.startswith(("http://", "https://")):
                link.append(word)
            else:
                caption.append(word)
        info = " ".join(caption + options + link)
    else:
        # {% highlight ruby linenos %}, {{< highlight go "linenos=table,hl_lines=8 15-17" >}}
        words = args.strip().split(maxsplit=1)
        language = words[0].strip("\"'") if words else ""
        rest = words[1].strip() if len(words) > 1 else ""
        info = _hugo_options(rest) if kind == "hugo" and rest else rest
    if info and not language:
        language = "text"  # the engine's fence names a file only after a language
    code = "".join(code_lines)
    if code and not code.endswith("\n"):
        code += "\n"
    marker = fence_for(code)
    opener = " ".join(part for part in (f"{marker}{language}", info) if part)
    return f"{opener}\n{code}{marker}"


def _hugo_options(text):
    """Hugo's highlight options, "linenos=table,hl_lines=8 15-17", as a fence's attribute block."""
    options = []
    for option in text.strip("\"'").split(","):
        key, _, value = option.strip().partition("=")
        options.append(f'{key}="{value}"' if " " in value else option.strip())
    return "{" + ",".join(options) + "}"
