/** Series colours (colour-blind-safe Okabe-Ito palette), assigned in order. */
export const SERIES_COLORS = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#d55e00',
  '#56b4e9',
  '#000000',
  '#f0e442',
];

export const seriesColor = (i: number): string => SERIES_COLORS[i % SERIES_COLORS.length]!;

export const AXIS_TICK = { fontSize: 12 };
export const CHART_MARGIN = { top: 8, right: 16, bottom: 4, left: 0 };

/** Short numeric tick labels. */
export const tick = (v: number): string =>
  Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.01)
    ? v.toExponential(0)
    : String(+v.toFixed(3));
