// A place to drop or pick a trace file. Its value is the chosen File (or null); it dispatches
// "input" when a file is chosen. The file is read in the worker, never sent anywhere.
export interface TraceDropElement extends HTMLElement { value: File | null }

export function traceDrop({ accept = ".rep,.mtrace,.txt,.trace,text/plain" } = {}): TraceDropElement {
  const root = document.createElement("div") as unknown as TraceDropElement;
  root.className = "trace-drop";
  root.tabIndex = 0;
  root.setAttribute("role", "button");
  root.setAttribute("aria-label", "drop a trace file here, or press Enter to choose one");
  const input = document.createElement("input");
  input.type = "file";
  input.accept = accept;
  input.hidden = true;
  const text = document.createElement("div");
  text.innerHTML = "<strong>Drop a trace file here</strong> or <u>choose one</u><br><small>malloc-lab .rep or glibc mtrace text; it stays on this machine</small>";
  root.append(input, text);

  let file: File | null = null;
  Object.defineProperty(root, "value", { get: () => file, set: (f: File | null) => { file = f; } });
  const choose = (chosen: File | undefined) => {
    if (!chosen) return;
    file = chosen;
    root.dispatchEvent(new Event("input", { bubbles: true }));
  };

  root.addEventListener("click", () => input.click());
  root.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); input.click(); }
  });
  input.addEventListener("click", (event) => event.stopPropagation());
  input.addEventListener("change", (event) => { event.stopPropagation(); choose(input.files?.[0]); input.value = ""; });
  input.addEventListener("input", (event) => event.stopPropagation());
  root.addEventListener("dragover", (event) => { event.preventDefault(); root.classList.add("dragging"); });
  root.addEventListener("dragleave", () => root.classList.remove("dragging"));
  root.addEventListener("drop", (event) => {
    event.preventDefault();
    root.classList.remove("dragging");
    choose(event.dataTransfer?.files?.[0]);
  });
  return root;
}

export type TraceChoice = { file: File; sample?: undefined } | { sample: string; file?: undefined } | null;
export interface TraceChooserElement extends HTMLElement { value: TraceChoice }

/** The drop zone plus one button per shipped sample trace; its value is whichever was chosen last. */
export function traceChooser(samples: readonly string[]): TraceChooserElement {
  const root = document.createElement("div") as unknown as TraceChooserElement;
  const drop = traceDrop();
  const buttons = document.createElement("div");
  buttons.className = "sample-buttons";
  buttons.append("…or race a sample: ");
  let choice: TraceChoice = null;
  for (const name of samples) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = name;
    button.addEventListener("click", () => {
      choice = { sample: name };
      root.dispatchEvent(new Event("input", { bubbles: true }));
    });
    buttons.append(button);
  }
  drop.addEventListener("input", (event) => {
    event.stopPropagation();
    if (drop.value) choice = { file: drop.value };
    root.dispatchEvent(new Event("input", { bubbles: true }));
  });
  Object.defineProperty(root, "value", { get: () => choice, set: (c: TraceChoice) => { choice = c; } });
  root.append(drop, buttons);
  return root;
}
