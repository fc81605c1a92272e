// @IAO officer console: small progressive enhancements only (the pages work without JavaScript).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Live character counters for textareas that name a counter element.
  document.querySelectorAll("textarea[data-counter]").forEach((area) => {
    const counter = document.getElementById(area.dataset.counter);
    if (!counter) return;
    const update = () => { counter.textContent = String(area.value.length); };
    area.addEventListener("input", update);
    update();
  });
  // Sending twice by a double tap on a slow phone connection: disable the button once the form goes.
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", () => {
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    });
  });
  // Canned replies: insert a knowledge-base answer into the answer box, where the officer edits it.
  document.querySelectorAll("button.insert-canned").forEach((button) => {
    button.addEventListener("click", () => {
      const area = document.getElementById(button.dataset.target);
      if (!area) return;
      const text = button.dataset.text || "";
      area.value = area.value.trim() ? `${area.value.trimEnd()}\n\n${text}` : text;
      area.dispatchEvent(new Event("input"));
      area.focus();
    });
  });
  // Ask before a push: it spends one message of the monthly quota.
  const answer = document.getElementById("answer-form");
  if (answer) {
    answer.addEventListener("submit", (event) => {
      const push = document.getElementById("mode-push");
      if (push && push.checked && answer.dataset.confirm === "1" &&
          !window.confirm("ส่งทันทีจะใช้โควตา 1 ข้อความ ยืนยันหรือไม่?")) {
        event.preventDefault();
        answer.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = false; });
      }
    });
  }
});
