// The intake questionnaire's knee drawing: clicking an area, or pressing Space or Enter on it, ticks the matching
// "Where does it hurt?" checkbox. The checkboxes remain the real inputs; without JavaScript the drawing is a picture.
"use strict";

document.querySelectorAll(".knee-picker").forEach((picker) => {
  const svg = picker.querySelector(".knee-svg");
  if (!svg) return;
  const boxes = new Map();
  picker.querySelectorAll("input[data-knee-region]").forEach((box) => boxes.set(box.dataset.kneeRegion, box));

  svg.querySelectorAll(".knee-region").forEach((region) => {
    const box = boxes.get(region.dataset.kneeRegion);
    if (!box) return;
    const label = picker.querySelector(`label[for="${box.id}"]`);
    region.setAttribute("role", "checkbox");
    region.setAttribute("tabindex", "0");
    region.setAttribute("aria-label", label ? label.textContent.trim() : box.value);

    const show = () => {
      region.classList.toggle("is-selected", box.checked);
      region.setAttribute("aria-checked", String(box.checked));
    };
    const toggle = () => {
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    };
    region.addEventListener("click", toggle);
    region.addEventListener("keydown", (event) => {
      if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        toggle();
      }
    });
    box.addEventListener("change", show);
    show();
  });

  svg.setAttribute("role", "group");
  svg.classList.add("is-interactive");
  const hint = picker.querySelector(".knee-hint");
  if (hint) hint.hidden = false;
});

// Answers are saved as the patient types (a moment after the last change), so closing the browser loses nothing.
// The buttons still save and move on; this only keeps what was typed on the step.
document.querySelectorAll("form[data-autosave]").forEach((form) => {
  const status = form.querySelector(".intake-autosave");
  let timer = null;
  let sending = false;
  let again = false;

  const save = () => {
    if (sending) { again = true; return; }
    sending = true;
    const data = new FormData(form);
    data.set("move", "autosave");
    fetch(form.action || window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((answer) => {
        form.dispatchEvent(new CustomEvent("runback:saved", { bubbles: true }));
        if (status) {
          status.textContent = answer.unsaved
            ? `Saved at ${answer.at}. An answer marked below is not saved yet.`
            : `Your answers are saved (${answer.at}).`;
        }
      })
      .catch(() => {
        if (status) status.textContent = "Not saved yet: your answers stay on this page; press the button to save.";
      })
      .finally(() => {
        sending = false;
        if (again) { again = false; save(); }
      });
  };

  const soon = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  };
  form.addEventListener("change", () => soon(300));
  form.addEventListener("input", (event) => { if (event.target.matches("textarea, input[type=text], input[type=number]")) soon(1500); });
});
