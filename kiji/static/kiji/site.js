// Progressive enhancement for htmx fragments; every page works without this file.
(() => {
  "use strict";

  const dialog = () => document.getElementById("comment-dialog");

  // Fragments aimed at the dialog open it as a modal (focus is trapped, Esc closes it).
  document.addEventListener("htmx:afterSwap", (event) => {
    const box = dialog();
    if (!box || event.detail.target !== box) return;
    if (!box.open) box.showModal();
    const first = box.querySelector("[autofocus], input:not([type=hidden]), textarea, button");
    if (first) first.focus();
  });

  document.addEventListener("click", (event) => {
    const close = event.target.closest("[data-dialog-close]");
    if (close && close.closest("dialog")) {
      event.preventDefault();
      close.closest("dialog").close();
      return;
    }
    const cancel = event.target.closest("[data-cancel-reply]");
    const slot = cancel && cancel.closest(".reply-slot");
    if (slot) {
      event.preventDefault();
      slot.replaceChildren();
    }
  });

  // A form whose request fails keeps its text and says so; sending again retries.
  const failed = (event) => {
    const source = event.detail.elt;
    const form = source.closest("form") || source;
    const slot = form.querySelector("[data-network-error]");
    if (slot) {
      slot.hidden = false;
      return;
    }
    const section = source.closest("[data-failed-message]");
    const alert = document.getElementById("comments-alert");
    if (section && alert) {
      alert.textContent = section.dataset.failedMessage;
      alert.hidden = false;
    }
  };
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt.closest("form");
    const slot = form && form.querySelector("[data-network-error]");
    if (slot) slot.hidden = true;
    const alert = document.getElementById("comments-alert");
    if (alert) alert.hidden = true;
  });

  // Characters left, for text areas with a limit.
  document.addEventListener("input", (event) => {
    const area = event.target;
    if (!(area instanceof HTMLTextAreaElement) || !area.dataset.limit) return;
    const counter = area.form && area.form.querySelector("[data-counter]");
    if (counter) counter.textContent = `${area.value.length} / ${area.dataset.limit}`;
  });
})();
