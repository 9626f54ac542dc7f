import { CELL_COLORS, CELL_LABELS } from "./palette.js";

/** The cell-state legend shown next to every heat map. */
export function cellLegend(): HTMLElement {
  const legend = document.createElement("div");
  legend.className = "heap-legend";
  legend.setAttribute("aria-label", "legend");
  CELL_LABELS.forEach((label, state) => {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = CELL_COLORS[state];
    item.append(swatch, label);
    legend.append(item);
  });
  return legend;
}
