/** Plain-text tables for terminal output: columns padded to their widest cell, numbers right-aligned. */

export type Cell = string | number | null | undefined;

function text(c: Cell): string {
  return c === null || c === undefined ? '-' : String(c);
}

export function renderTable(headers: string[], rows: Cell[][], indent = '  '): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i]).length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const line = (cells: Cell[], head = false) =>
    indent +
    cells
      .map((c, i) => (numeric[i] && !head ? text(c).padStart(widths[i]!) : text(c).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers, true), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(r))].join('\n');
}

/** `+3`, `-2`, `0`. */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
