// Hive console behaviour shared by every page (no inline scripts: the CSP forbids them).
// - Confirmation: a form or submit button with data-confirm="…" asks in a dialog first.
// - No double submit: a form sent once ignores further submits until the page is shown again.
// - The menu button opens and closes the side menu on narrow screens.
// - Tree pickers: a <details data-picker> list filters its options as the user types.
(function () {
  "use strict";

  function confirmText(form, submitter) {
    return (submitter && submitter.dataset.confirm) || form.dataset.confirm || "";
  }

  function askThenSubmit(form, submitter, text) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(text)) { form.dataset.confirmed = "1"; form.requestSubmit(submitter || undefined); }
      return;
    }
    document.getElementById("confirm-text").textContent = text;
    var ok = document.getElementById("confirm-ok");
    var cancel = document.getElementById("confirm-cancel");
    function close(accepted) {
      ok.removeEventListener("click", onOk);
      cancel.removeEventListener("click", onCancel);
      dialog.close();
      if (accepted) { form.dataset.confirmed = "1"; form.requestSubmit(submitter || undefined); }
    }
    function onOk() { close(true); }
    function onCancel() { close(false); }
    ok.addEventListener("click", onOk);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel, { once: true });
    dialog.showModal();
    cancel.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() === "dialog") { return; }
    var submitter = event.submitter || null;
    var text = confirmText(form, submitter);
    if (text && form.dataset.confirmed !== "1") {
      event.preventDefault();
      askThenSubmit(form, submitter, text);
      return;
    }
    if (form.dataset.submitted === "1" && form.method.toLowerCase() === "post") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    delete form.dataset.confirmed;
    if (submitter) { submitter.setAttribute("aria-busy", "true"); }
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
      b.classList.add("sending");
    });
  });

  // Back/forward cache: a page shown again may be submitted again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("[aria-busy]").forEach(function (b) { b.removeAttribute("aria-busy"); });
      form.querySelectorAll(".sending").forEach(function (b) { b.classList.remove("sending"); });
    });
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("#menu-toggle");
    if (!toggle) { return; }
    var open = document.body.classList.toggle("menu-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-picker-filter]")) { return; }
    var picker = box.closest("[data-picker]");
    var needle = box.value.trim().toLowerCase();
    var items = picker.querySelectorAll("[data-picker-option]");
    items.forEach(function (item) {
      var text = (item.dataset.pickerText || "").toLowerCase();
      item.hidden = needle !== "" && text.indexOf(needle) === -1;
    });
    // A match keeps the categories above it visible (its path leads to it).
    items.forEach(function (item) {
      if (item.hidden || needle === "") { return; }
      var up = item.parentElement.closest("[data-picker-option]");
      while (up) { up.hidden = false; up = up.parentElement.closest("[data-picker-option]"); }
    });
  });
})();
