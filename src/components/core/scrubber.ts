// One scrubber for a whole race: a range over the ticks, play/pause, step back and forward, and
// ←/→ (Home/End) from anywhere on the page that is not a text field. It is an input in the
// Observable sense: `.value` is the tick index and it dispatches "input" when that changes, so
// a page can `view()` it.

export interface ScrubberOptions {
  /** Number of ticks; the value runs 0 … ticks − 1. */
  ticks: number;
  value?: number;
  /** Caption for a tick, e.g. "op 37,500 of 200,000". */
  format?: (tick: number) => string;
  /** Milliseconds per tick while playing. */
  delay?: number;
  label?: string;
}

export interface ScrubberElement extends HTMLElement {
  value: number;
  /** Moves to a tick (clamped) and announces it. */
  seek(tick: number): void;
}

const EDITABLE = new Set(["INPUT", "SELECT", "TEXTAREA"]);

export function scrubber({ ticks, value = ticks - 1, format = (t) => `tick ${t + 1}`, delay = 90, label = "time" }: ScrubberOptions): ScrubberElement {
  const root = document.createElement("div") as unknown as ScrubberElement;
  root.className = "scrubber";
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", label);

  const button = (text: string, title: string) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.title = title;
    b.setAttribute("aria-label", title);
    return b;
  };
  const play = button("▶", "play");
  const back = button("◀◀", "step back");
  const forward = button("▶▶", "step forward");
  const range = document.createElement("input");
  range.type = "range";
  range.min = "0";
  range.max = String(Math.max(0, ticks - 1));
  range.step = "1";
  range.setAttribute("aria-label", `${label} (tick)`);
  const caption = document.createElement("output");
  caption.className = "scrubber-caption";
  root.append(play, back, range, forward, caption);

  let current = clamp(value);
  let timer: ReturnType<typeof setInterval> | null = null;

  function clamp(tick: number): number {
    return Math.max(0, Math.min(ticks - 1, Math.round(tick)));
  }
  function show(): void {
    range.value = String(current);
    caption.textContent = format(current);
  }
  function seek(tick: number): void {
    const next = clamp(tick);
    if (next === current) return;
    current = next;
    show();
    root.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function stop(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "▶";
    play.title = "play";
    play.setAttribute("aria-label", "play");
  }
  function start(): void {
    if (current >= ticks - 1) seek(0);
    play.textContent = "❚❚";
    play.title = "pause";
    play.setAttribute("aria-label", "pause");
    timer = setInterval(() => {
      if (!root.isConnected || current >= ticks - 1) stop();
      else seek(current + 1);
    }, delay);
  }

  Object.defineProperty(root, "value", {
    get: () => current,
    set: (tick: number) => { current = clamp(tick); show(); },
  });
  root.seek = seek;

  play.addEventListener("click", () => (timer === null ? start() : stop()));
  back.addEventListener("click", () => { stop(); seek(current - 1); });
  forward.addEventListener("click", () => { stop(); seek(current + 1); });
  range.addEventListener("input", (event) => {
    event.stopPropagation(); // the scrubber announces its own value, once
    stop();
    seek(Number(range.value));
  });

  const onKey = (event: KeyboardEvent) => {
    if (!root.isConnected) { document.removeEventListener("keydown", onKey); return; }
    const target = event.target as HTMLElement | null;
    // The range handles its own arrow keys; text fields keep theirs.
    if (target && (target === range || EDITABLE.has(target.tagName) || target.isContentEditable)) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const moves: Record<string, number> = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: ticks - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    stop();
    seek(moves[event.key]);
  };
  document.addEventListener("keydown", onKey);

  show();
  return root;
}
