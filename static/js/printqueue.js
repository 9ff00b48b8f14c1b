// The print queue follows its handouts and batches as they are made, without reloading: while a row is waiting or
// being made, it asks the server every couple of seconds how its jobs are doing, updates those rows in place (the
// status, the line under it, which buttons show: the CSS keys them on data-status) and says what changed in the
// page's live region. The notice about the print service comes and goes the same way. Without JavaScript the
// page's Refresh link does the same by hand.
"use strict";

(() => {
  const queue = document.querySelector("[data-print-queue]");
  if (!queue || !window.fetch) return;

  const PENDING = new Set(["queued", "rendering"]);
  const EVERY_MS = 2000;
  const AT_MOST_MS = 15000; // when the server does not answer, ask less and less often, up to this
  const live = document.getElementById("print-live");
  const notice = document.getElementById("print-notice");
  let wait = EVERY_MS;

  queue.querySelectorAll("[data-live-hint]").forEach((hint) => { hint.hidden = false; });

  const rows = (kind) => Array.from(queue.querySelectorAll(`tr[data-job="${kind}"]`));
  const pendingIds = (kind) => rows(kind).filter((row) => PENDING.has(row.dataset.status)).map((row) => row.dataset.id);

  function announce(text) {
    // A fresh text node each time, so screen readers announce a repeated message too.
    live.textContent = "";
    window.setTimeout(() => { live.textContent = text; }, 50);
  }

  function update(kind, state, changes) {
    const row = queue.querySelector(`tr[data-job="${kind}"][data-id="${state.id}"]`);
    if (!row || row.dataset.status === state.status) return;
    row.dataset.status = state.status;
    row.querySelector("[data-label]").textContent = state.label;
    row.querySelector("[data-outcome]").textContent = state.outcome;
    row.querySelectorAll("[data-download]").forEach((link) => { link.href = state.download_url; });
    if (!PENDING.has(state.status)) {
      const said = state.status === "ready" ? "ready to download" : `${state.label.toLowerCase()}: ${state.outcome}`;
      changes.push(`${row.dataset.name} is ${said}.`);
    }
  }

  function showNotice(text) {
    if (!notice) return;
    notice.textContent = text;
    notice.hidden = !text;
  }

  async function poll() {
    const handouts = pendingIds("handout");
    const batches = pendingIds("batch");
    if (!handouts.length && !batches.length) return; // nothing on this page is being made: nothing to follow
    const url = `${queue.dataset.statusUrl}?handouts=${handouts.join(",")}&batches=${batches.join(",")}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const answer = await response.json();
      const changes = [];
      answer.handouts.forEach((state) => update("handout", state, changes));
      answer.batches.forEach((state) => update("batch", state, changes));
      showNotice(answer.notice);
      if (changes.length) announce(changes.join(" "));
      wait = EVERY_MS;
    } catch (error) {
      wait = Math.min(wait * 2, AT_MOST_MS);
    }
    window.setTimeout(poll, wait);
  }

  window.setTimeout(poll, EVERY_MS);
})();
