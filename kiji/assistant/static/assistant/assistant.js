// 「Kiji に聞く」: streams each answer into the thread from the server (server-sent events).
// Without this file every form posts and the page comes back with the answer written.
(() => {
  "use strict";

  const started = new WeakSet();

  const citation = (box, number) => {
    const link = document.createElement("a");
    link.className = "assistant-cite";
    link.href = `#${box.dataset.sourcePrefix}${number}`;
    link.textContent = `[${number}]`;
    link.setAttribute("aria-label", `${box.dataset.citeLabel}${number}`);
    return link;
  };

  // Model output is only ever text here: sentences go in as text nodes, links are built from
  // the source numbers, and the finished answer is the server's own escaped HTML.
  const stream = (box) => {
    if (started.has(box) || !("EventSource" in window)) return;
    started.add(box);
    const progress = box.querySelector("[data-progress]");
    const sentences = box.querySelector("[data-sentences]");
    const notice = box.querySelector("[data-notice]");
    const retry = box.querySelector("[data-retry]");
    const turn = box.closest(".assistant-turn");
    const source = new EventSource(box.dataset.stream);
    const read = (event) => JSON.parse(event.data);
    let finished = false;
    const stop = (message) => {
      if (finished) return;
      finished = true;
      source.close();
      box.removeAttribute("aria-busy");
      progress.textContent = message || box.dataset.failed;
      if (retry) retry.hidden = false;
    };
    if (retry) retry.hidden = true;
    box.setAttribute("aria-busy", "true");
    progress.textContent = box.dataset.waiting || progress.textContent;

    source.addEventListener("progress", (event) => {
      progress.textContent = read(event).text;
    });
    source.addEventListener("sentence", (event) => {
      const sentence = read(event);
      sentences.hidden = false;
      sentences.append(document.createTextNode(sentence.text));
      for (const number of sentence.sources) {
        if (Number.isInteger(number)) sentences.append(citation(box, number));
      }
    });
    source.addEventListener("notice", (event) => {
      notice.hidden = false;
      notice.textContent = read(event).text;
    });
    source.addEventListener("refused", (event) => stop(read(event).text));
    source.addEventListener("done", (event) => {
      finished = true;
      source.close();
      const template = document.createElement("template");
      template.innerHTML = read(event).html;
      const answered = template.content.firstElementChild;
      if (!answered) return;
      turn.replaceWith(answered);
      // Focus moves to the answer, so a screen reader reads on from there.
      answered.querySelector(".assistant-turn__label[tabindex]")?.focus();
    });
    // EventSource would reconnect on its own; a broken stream is retried with the form instead.
    source.onerror = () => stop();
  };

  const within = (root, selector) => [
    ...(root instanceof Element && root.matches(selector) ? [root] : []),
    ...root.querySelectorAll(selector),
  ];
  const scan = (root) => {
    within(root, "[data-stream]").forEach(stream);
    within(root, "[data-shortcut]").forEach((hint) => {
      hint.hidden = false;
    });
  };

  scan(document);
  // htmx adds a follow-up's turn (and a fresh form) to the page.
  document.addEventListener("htmx:load", (event) => scan(event.detail.elt));

  // Ctrl+Enter (⌘+Enter) sends the question, as in a chat.
  document.addEventListener("keydown", (event) => {
    const area = event.target;
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    if (!(area instanceof HTMLTextAreaElement) || !area.closest(".assistant-form")) return;
    event.preventDefault();
    area.form.requestSubmit();
  });
})();
