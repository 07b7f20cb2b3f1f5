// villi.js: small progressive enhancements. Every page works without it.
"use strict";
(function () {
  // Copy buttons: copy the reference text, then say so on the button.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.className = "sr-only";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }
  document.querySelectorAll("button.copy[data-copy]").forEach(function (btn) {
    var label = btn.textContent;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      copyText(btn.getAttribute("data-copy")).then(function () {
        btn.textContent = "Copied";
        btn.classList.add("done");
      }, function () {
        btn.textContent = "Select the text above to copy";
      });
      window.setTimeout(function () {
        btn.textContent = label;
        btn.classList.remove("done");
      }, 4000);
    });
  });

  // Print buttons on printable lists.
  document.querySelectorAll("button[data-print]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () { window.print(); });
  });

  // Filters sit beside the results on a wide screen and above them on a
  // phone, where they fold away so that the results come first. On a wide
  // screen the fold is not a control.
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 52rem)") : null;
  document.querySelectorAll("details[data-fold-narrow]").forEach(function (d) {
    var summary = d.querySelector("summary");
    function fit() {
      if (narrow && narrow.matches) {
        summary.removeAttribute("tabindex");
      } else {
        d.open = true;
        summary.setAttribute("tabindex", "-1");
      }
    }
    if (narrow && narrow.matches) { d.open = false; }
    fit();
    if (narrow && narrow.addEventListener) { narrow.addEventListener("change", fit); }
    summary.addEventListener("click", function (ev) {
      if (!narrow || !narrow.matches) { ev.preventDefault(); }
    });
  });

  // "Add to collection": the new collection's name matters only when
  // "New collection…" is chosen, so show it only then.
  document.querySelectorAll("select[data-new-name]").forEach(function (sel) {
    var input = document.getElementById(sel.getAttribute("data-new-name"));
    var label = input && input.form.querySelector("label[for='" + input.id + "']");
    if (!input || !label) { return; }
    function update() {
      var show = sel.value === "new";
      input.hidden = !show;
      label.hidden = !show;
    }
    update();
    sel.addEventListener("change", function () {
      update();
      if (sel.value === "new") { input.focus(); }
    });
  });

  // Filter forms: apply a checkbox at once instead of waiting for the button.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (ev) {
      if (ev.target && ev.target.type === "checkbox") {
        // Leave empty year boxes out of the address.
        form.querySelectorAll("input[type=number]").forEach(function (input) {
          if (input.value === "") { input.disabled = true; }
        });
        form.submit();
      }
    });
  });

  // A message about the write that led here (role=status or alert): live
  // regions are announced when they change, not when the page loads, so
  // put its words in again once the page is up.
  document.querySelectorAll("[data-announce]").forEach(function (el) {
    var nodes = Array.prototype.slice.call(el.childNodes);
    nodes.forEach(function (n) { el.removeChild(n); });
    window.setTimeout(function () {
      nodes.forEach(function (n) { el.appendChild(n); });
    }, 100);
  });

  // Collections: drag an entry by its handle to another place. The drop
  // posts the entry's own "Position" form, as typing the number would, so
  // the server sees one kind of move. Pointer events cover mouse and touch;
  // the keyboard has the form.
  document.querySelectorAll("ol[data-reorder]").forEach(function (list) {
    var drag = null; // {li, input, from, home} while an entry is held
    function entries() {
      return Array.prototype.filter.call(list.children, function (el) { return el.tagName === "LI"; });
    }
    list.querySelectorAll(".drag-handle").forEach(function (handle) {
      var li = handle.closest("li");
      var input = li && li.querySelector("form.move-to input[name=position]");
      if (!input) { return; }
      handle.hidden = false;
      handle.addEventListener("pointerdown", function (ev) {
        drag = { li: li, input: input, from: entries().indexOf(li), home: li.nextSibling };
        li.classList.add("dragging");
        ev.preventDefault();
      });
    });
    // Moving the entry takes it out of the document for a moment, which
    // would end a pointer capture: follow the pointer on the document.
    document.addEventListener("pointermove", function (ev) {
      if (!drag) { return; }
      // The place is before the first other entry whose middle lies below
      // the pointer.
      var before = null, others = entries();
      for (var i = 0; i < others.length; i++) {
        if (others[i] === drag.li) { continue; }
        var box = others[i].getBoundingClientRect();
        if (ev.clientY < box.top + box.height / 2) { before = others[i]; break; }
      }
      if (before !== drag.li.nextSibling) { list.insertBefore(drag.li, before); }
    });
    function end(keep) {
      if (!drag) { return; }
      var d = drag;
      drag = null;
      d.li.classList.remove("dragging");
      var to = entries().indexOf(d.li);
      if (!keep || to === d.from) {
        list.insertBefore(d.li, d.home);
        return;
      }
      d.input.value = String(to + 1);
      d.input.form.submit();
    }
    document.addEventListener("pointerup", function () { end(true); });
    document.addEventListener("pointercancel", function () { end(false); });
  });
})();
