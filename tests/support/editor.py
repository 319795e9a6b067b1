"""Driving the post editor's script (static/js/admin-editor.js) in Playwright: drop or paste a file, see the preview."""

import base64

# A drop as the browser makes one when a file leaves the desktop (or a paste from the clipboard):
# a DataTransfer holding a file said to be a PNG.
DROP = """([body, data, name, kind]) => {
    const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, {type: "image/png"}));
    const event = kind === "paste"
        ? new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true})
        : new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true});
    body.dispatchEvent(event);
}"""


def drop(page, content, name="harbour.png", kind="drop"):
    """Drop (or, with kind="paste", paste) the bytes `content` as a PNG file on the body field."""
    body = page.locator("#id_body").element_handle()
    page.evaluate(DROP, [body, base64.b64encode(content).decode(), name, kind])


def preview(page):
    """The live preview's <main>, inside its frame beside the body."""
    return page.frame_locator("iframe.escribe-preview").locator("main")


def preview_text(page):
    return preview(page).inner_text()
