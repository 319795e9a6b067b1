// The Markdown editor of posts, pages and blurbs in the admin: images dropped, pasted or chosen
// go up at once and their Markdown lands at the cursor; a preview beside the body follows the
// text. Where to send them is in #escribe-editor's data attributes (admin/blog/editor_change_form.html).
// No build step, nothing inline (the admin's CSP); without this file the form, the uploads
// inline and the new-tab preview do the same work.
"use strict";
(function () {
  function start() {
    var config = document.getElementById("escribe-editor");
    var body = config && document.getElementById(config.dataset.body);
    if (!body || !window.fetch) return;
    var form = body.form;
    var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var status = document.createElement("p");
    status.className = "escribe-status";
    status.setAttribute("role", "status");

    function post(url, data) {
      return fetch(url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRFToken": token, "X-Requested-With": "XMLHttpRequest"}
      });
    }

    function insert(text) {
      var at = body.selectionStart, end = body.selectionEnd;
      body.setRangeText(text, at, end, "end");
      body.focus();
      body.dispatchEvent(new Event("input", {bubbles: true}));
    }

    function upload(file) {
      var data = new FormData();
      data.append("file", file, file.name || "pasted.png");
      if (config.dataset.post) data.append("post", config.dataset.post);
      status.textContent = "Uploading " + (file.name || "the file") + "…";
      return post(config.dataset.uploadUrl, data).then(function (response) {
        return response.json().catch(function () {
          return {error: "The upload was refused (" + response.status + "): reload the page and try again."};
        });
      }).then(function (answer) {
        if (answer.error) throw new Error(answer.error);
        insert(answer.markdown);
        status.textContent = "Uploaded: its Markdown is in the text (for an image, say what it shows between [ and ]).";
      }).catch(function (error) {
        status.textContent = "Not uploaded: " + error.message;
      });
    }

    // Every file, one after the other (a PDF gets a [name](url) link): a file dropped and not
    // taken would make the browser open it in place of the unsaved text.
    function uploadAll(files) {
      Array.prototype.reduce.call(files, function (done, file) {
        return done.then(function () { return upload(file); });
      }, Promise.resolve());
      return files.length > 0;
    }

    body.addEventListener("dragover", function (event) {
      if (Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) event.preventDefault();
    });
    body.addEventListener("drop", function (event) {
      if (event.dataTransfer.files.length && uploadAll(event.dataTransfer.files)) event.preventDefault();
    });
    body.addEventListener("paste", function (event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (files && files.length && uploadAll(files)) event.preventDefault();
    });

    var chooser = document.createElement("input");
    chooser.type = "file";
    chooser.accept = "image/jpeg,image/png,image/gif,image/webp";
    chooser.id = "escribe-choose-image";
    chooser.addEventListener("change", function () {
      uploadAll(chooser.files);
      chooser.value = "";  // choosing the same file twice uploads it twice, as asked
    });
    var label = document.createElement("label");
    label.htmlFor = chooser.id;
    label.textContent = "Insert an image at the cursor (or drop or paste one into the text):";
    var tools = document.createElement("div");
    tools.className = "escribe-tools";
    tools.append(label, chooser, status);

    // The preview: the server's own rendering (the new-tab preview's view) in a frame that may run nothing.
    var frame = document.createElement("iframe");
    frame.className = "escribe-preview";
    frame.title = "Preview as readers will see it (follows the text)";
    frame.setAttribute("sandbox", "allow-same-origin");
    var pair = document.createElement("div"), column = document.createElement("div");
    pair.className = "escribe-pair";
    body.parentNode.insertBefore(pair, body);
    column.append(body, tools);
    pair.append(column, frame);

    var timer = null, asked = 0, scroll = 0;
    function refresh() {
      var sent = ++asked;
      var data = new FormData();
      new FormData(form).forEach(function (value, name) {
        if (!(value instanceof File)) data.append(name, value);  // the uploads inline's files stay put
      });
      post(config.dataset.previewUrl, data).then(function (response) { return response.text(); })
        .then(function (html) {
          if (sent !== asked) return;  // an older answer arriving late
          var view = frame.contentWindow;
          scroll = view ? view.scrollY : 0;
          frame.srcdoc = html;
          frame.dataset.rendered = String(sent);
        }).catch(function () { /* the next keystroke tries again */ });
    }
    frame.addEventListener("load", function () {
      var view = frame.contentWindow, start = view && view.document.querySelector(config.dataset.previewStart);
      // Where the author was reading; the first time, the document itself rather than the site's header.
      if (view) view.scrollTo(0, scroll || (start ? start.getBoundingClientRect().top : 0));
    });
    form.addEventListener("input", function (event) {
      if (event.target.type === "file") return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 500);
    });
    refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
