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
