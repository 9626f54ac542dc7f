// A message for knobs the reader typed out of range. Inputs.number and Inputs.range ignore a value
// outside their bounds and keep the last valid one, silently; this names the field, the value and
// the range, so a number that "does nothing" explains itself. It listens in the capture phase,
// because Inputs stops an invalid input's event before it bubbles.

function labelOf(input: HTMLInputElement): string {
  const text = input.labels?.[0]?.textContent?.trim();
  return text && text.length > 0 ? text : input.name || "a knob";
}

function describe(input: HTMLInputElement): string {
  const range = input.min !== "" && input.max !== "" ? ` (it takes ${input.min} to ${input.max}${input.step && input.step !== "any" && input.step !== "1" ? ` in steps of ${input.step}` : ""})` : "";
  const value = input.value === "" ? "an empty value" : JSON.stringify(input.value);
  return `${labelOf(input)}: ${value} is not accepted${range}; the last valid value stays in use.`;
}

export function invalidKnobNotice(roots: readonly HTMLElement[]): HTMLElement {
  const notice = document.createElement("p");
  notice.className = "race-error lab-knob-notice";
  notice.setAttribute("role", "alert");
  notice.hidden = true;
  const update = () => {
    const problems = roots.flatMap((root) => [...root.querySelectorAll("input")].filter((input) => !input.disabled && !input.checkValidity()).map(describe));
    notice.hidden = problems.length === 0;
    notice.textContent = problems.join(" ");
  };
  for (const root of roots) {
    root.addEventListener("input", update, true);
    root.addEventListener("change", update, true);
  }
  return notice;
}
