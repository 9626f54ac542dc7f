// The one palette for arena cells, the same on every page (Okabe–Ito hues, colour-blind safe;
// free is a neutral so the eye goes to what is allocated).
export const CELL_COLORS = ["#e4e4e4", "#0072b2", "#d55e00", "#e69f00"] as const; // free, used, header, reserved
export const CELL_LABELS = ["free", "used", "header", "reserved"] as const;

/** RGBA bytes per state, for writing ImageData directly. */
export const CELL_RGBA: readonly (readonly [number, number, number, number])[] = CELL_COLORS.map((hex) => [
  parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16), 255,
]);

/** Okabe–Ito hues for lanes (allocators) in charts, in ALLOCATORS order. */
export const LANE_COLORS = ["#cc79a7", "#0072b2", "#009e73", "#d55e00", "#e69f00", "#56b4e9", "#000000", "#f0e442"] as const;
