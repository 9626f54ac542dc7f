// The vertical rule that follows the scrubber across any Plot chart whose x is the race's op count
// (the race page's timelines and the labs' footprint charts share it).
import type { RaceView } from "./race-view.js";

/**
 * The SVG that holds a Plot's marks. With a legend Plot returns a <figure> whose swatches carry
 * little SVGs of their own, so the chart is the figure's direct SVG child, never "any svg" in it.
 */
export function chartSvg(plot: Element): SVGSVGElement | null {
  if (plot.tagName.toLowerCase() === "svg") return plot as SVGSVGElement;
  return ([...plot.children].find((child) => child.tagName.toLowerCase() === "svg") as SVGSVGElement | undefined) ?? null;
}

type ScaledPlot = (HTMLElement | SVGSVGElement) & { scale(name: string): { apply(x: number): number; range?: number[] } | undefined };

/**
 * Adds a vertical rule to a Plot chart whose x is the race's op count and returns the function
 * that moves it to a tick. The rule lives inside the chart's own SVG, in chart coordinates, so it
 * needs no layout measurement and moving it is one attribute write — scrubbing never re-renders.
 */
export function tickRule(plot: Element, view: RaceView, height: number): (tick: number) => void {
  const chart = plot as ScaledPlot;
  const svg = chartSvg(chart);
  const rule = document.createElementNS("http://www.w3.org/2000/svg", "line");
  rule.setAttribute("class", "timeline-rule");
  rule.setAttribute("stroke", "var(--theme-foreground-focus, steelblue)");
  rule.setAttribute("stroke-width", "1.5");
  rule.setAttribute("visibility", "hidden");
  svg?.append(rule);
  const x = chart.scale("x");
  const yRange = chart.scale("y")?.range ?? [height - 30, 20];
  const ops = view.lanes[0]?.ticks.map((t) => t.op) ?? [];
  return (tick: number) => {
    const op = ops[Math.min(tick, ops.length - 1)];
    if (!x || op === undefined) { rule.setAttribute("visibility", "hidden"); return; }
    const at = String(x.apply(op));
    rule.setAttribute("visibility", "visible");
    rule.setAttribute("x1", at);
    rule.setAttribute("x2", at);
    rule.setAttribute("y1", String(yRange[0]));
    rule.setAttribute("y2", String(yRange[1]));
  };
}
