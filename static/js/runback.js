// Small progressive enhancements shared by every page. Pages work without JavaScript.
"use strict";

// Forms marked data-submit-once send one request even when the button is clicked twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-submit-once]")) return;
  if (form.dataset.submitted === "yes") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "yes";
});
// Coming back to a page from the browser's history re-enables its forms.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("form[data-submitted]").forEach((form) => delete form.dataset.submitted);
});

// Copy-to-clipboard buttons: <button data-copy-target="#id">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copyTarget);
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.value || source.textContent.trim()).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});

// Forms marked data-warn-unsaved ask before the page is left with changes not yet sent (sending them is fine).
const unsavedForms = new Set();
document.addEventListener("input", (event) => {
  const form = event.target.form;
  if (form && form.matches("form[data-warn-unsaved]")) unsavedForms.add(form);
});
document.addEventListener("submit", (event) => unsavedForms.delete(event.target));
document.addEventListener("runback:saved", (event) => unsavedForms.delete(event.target));
window.addEventListener("beforeunload", (event) => {
  if (unsavedForms.size === 0) return;
  event.preventDefault();
  event.returnValue = "";
});

// A chart over time that scrolls sideways on a phone opens on its newest point, at the right; the outcomes' charts
// (one bar group per score or week, from the first) open at their start, axis and all.
document.querySelectorAll("figure.plan-chart[tabindex]:not(.outcomes-chart)").forEach((figure) => {
  figure.scrollLeft = figure.scrollWidth;
});
