// The patient portal's interval timer for walk/run sessions. Progressive enhancement: the page lists the stretches
// ("Walk 5 min, Run 1 min, ...") and is complete without JavaScript; with it, a clock counts each one down, announces
// every change in an aria-live region and buzzes the phone where the browser can.
"use strict";

(() => {
  const LABELS = { walk: "Walk", run: "Run" };
  const TICK_MS = 250;

  function parseIntervals(spec) {
    // "walk:300 run:60 ..." -> [{kind: "walk", seconds: 300}, ...]
    return spec.trim().split(/\s+/).map((part) => {
      const [kind, seconds] = part.split(":");
      return { kind, seconds: Number(seconds) };
    }).filter((interval) => LABELS[interval.kind] && interval.seconds > 0);
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.ceil(seconds));
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  function durationInWords(seconds) {
    // "5 minutes", "1 minute 30 seconds", "45 seconds": what a screen reader says at each change.
    const whole = Math.max(0, Math.ceil(seconds));
    const minutes = Math.floor(whole / 60);
    const rest = whole % 60;
    const parts = [];
    if (minutes) parts.push(minutes === 1 ? "1 minute" : `${minutes} minutes`);
    if (rest || !minutes) parts.push(rest === 1 ? "1 second" : `${rest} seconds`);
    return parts.join(" ");
  }

  function buzz(pattern) {
    if (navigator.vibrate) navigator.vibrate(pattern);
  }

  function setUp(root) {
    const intervals = parseIntervals(root.dataset.intervals || "");
    if (!intervals.length) return;
    const rounds = Number(root.dataset.rounds) || 1;
    const ui = root.querySelector("[data-timer-ui]");
    const display = root.querySelector("[data-timer-display]");
    const nextUp = root.querySelector("[data-timer-next]");
    const round = root.querySelector("[data-timer-round]");
    const announce = root.querySelector("[data-timer-announce]");
    const startButton = root.querySelector("[data-timer-start]");
    const pauseButton = root.querySelector("[data-timer-pause]");
    const resetButton = root.querySelector("[data-timer-reset]");
    let index = 0;
    let remaining = intervals[0].seconds * 1000;
    let endsAt = null;
    let ticker = null;
    let wakeLock = null;
    let finished = false;

    function roundOf(position) {
      // A walk belongs to the run after it: round n is the nth run.
      const runsBefore = intervals.slice(0, position).filter((interval) => interval.kind === "run").length;
      return Math.min(rounds, runsBefore + 1);
    }

    function render() {
      const current = intervals[index];
      const next = intervals[index + 1];
      display.textContent = `${LABELS[current.kind]} ${clock(remaining / 1000)}`;
      nextUp.textContent = next ? `→ ${LABELS[next.kind]} ${clock(next.seconds)}` : "→ done";
      round.textContent = `Round ${roundOf(index)} of ${rounds}`;
    }

    function say(message) {
      announce.textContent = message;
    }

    async function keepScreenOn(on) {
      try {
        if (on && navigator.wakeLock && !wakeLock) wakeLock = await navigator.wakeLock.request("screen");
        if (!on && wakeLock) { await wakeLock.release(); wakeLock = null; }
      } catch (error) {
        wakeLock = null; // not allowed here (battery saver, no permission): the timer works anyway
      }
    }

    function stopTicking() {
      clearInterval(ticker);
      ticker = null;
      root.classList.remove("is-running");
      keepScreenOn(false);
    }

    function finish() {
      stopTicking();
      finished = true;
      index = intervals.length - 1;
      remaining = 0;
      render();
      display.textContent = "Done!";
      nextUp.textContent = "";
      say("Session done. Well done! Now log how it went.");
      buzz([400, 150, 400, 150, 400]);
      startButton.textContent = "Start again";
      pauseButton.disabled = true;
    }

    function tick() {
      remaining = endsAt - Date.now();
      while (remaining <= 0) {
        if (index === intervals.length - 1) { finish(); return; }
        index += 1;
        remaining += intervals[index].seconds * 1000;
        endsAt = Date.now() + remaining;
        const current = intervals[index];
        say(`${LABELS[current.kind]} for ${durationInWords(current.seconds)}. Round ${roundOf(index)} of ${rounds}.`);
        buzz(current.kind === "run" ? [300, 100, 300] : [600]);
      }
      render();
    }

    function start() {
      if (ticker) return;
      if (finished) reset();
      endsAt = Date.now() + remaining;
      ticker = setInterval(tick, TICK_MS);
      root.classList.add("is-running");
      keepScreenOn(true);
      const current = intervals[index];
      say(`Started. ${LABELS[current.kind]} for ${durationInWords(remaining / 1000)}.`);
      buzz([200]);
      startButton.disabled = true;
      pauseButton.disabled = false;
      pauseButton.focus();
    }

    function pause() {
      if (!ticker) return;
      remaining = endsAt - Date.now();
      stopTicking();
      render();
      say(`Paused, ${durationInWords(remaining / 1000)} left of this ${LABELS[intervals[index].kind].toLowerCase()}.`);
      startButton.textContent = "Carry on";
      startButton.disabled = false;
      pauseButton.disabled = true;
      startButton.focus();
    }

    function reset() {
      stopTicking();
      finished = false;
      index = 0;
      remaining = intervals[0].seconds * 1000;
      render();
      say("Timer reset to the start.");
      startButton.textContent = "Start";
      startButton.disabled = false;
      pauseButton.disabled = true;
    }

    startButton.addEventListener("click", start);
    pauseButton.addEventListener("click", pause);
    resetButton.addEventListener("click", reset);
    // A phone that locked its screen stops timers: catch up as soon as the page is visible again.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && ticker) { tick(); keepScreenOn(true); }
    });

    render();
    ui.hidden = false;
  }

  document.querySelectorAll("[data-interval-timer]").forEach(setUp);
})();
