// The examination form and the assessment page. Pages work without JavaScript; this only opens a folded group when
// a link (such as a "still needed" item on the assessment page) points at a finding inside it.
"use strict";

function openTarget() {
  if (!window.location.hash) return;
  const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  if (!target) return;
  const folded = target.closest("details:not([open])");
  if (folded) folded.open = true;
  // A link to one finding puts the keyboard on it too; centred, so the save bar does not cover it.
  const input = target.matches(".exam-row") && target.querySelector("input:checked, input:not([type=hidden])");
  if (input) input.focus({ preventScroll: true });
  target.scrollIntoView({ block: "center" });
}

window.addEventListener("load", openTarget);
window.addEventListener("hashchange", openTarget);
