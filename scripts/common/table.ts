/**
 * A plain-text table renderer and section headings for terminal output.
 */

export type Align = "left" | "right";

export interface Column {
  header: string;
  align?: Align;
}

/** A row of cells, or `"separator"` for a horizontal rule (before a total, for example). */
export type Row = string[] | "separator";

/**
 * Renders a plain-text table with a header, a rule under it and aligned columns (numbers right-aligned by
 * default, the first column left-aligned). Returns the lines, each without a trailing newline.
 */
export function renderTable(
  columns: (Column | string)[],
  rows: Row[],
  { indent = 2 }: { indent?: number } = {},
): string[] {
  const cols: Required<Column>[] = columns.map((c, i) => {
    const column = typeof c === "string" ? { header: c } : c;
    return { header: column.header, align: column.align ?? (i === 0 ? "left" : "right") };
  });
  const widths = cols.map((c, i) =>
    Math.max(c.header.length, ...rows.map((r) => (r === "separator" ? 0 : (r[i] ?? "").length))),
  );
  const pad = " ".repeat(indent);
  const line = (cells: string[]): string =>
    pad +
    cells
      .map((cell, i) => (cols[i].align === "left" ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  const rule = pad + widths.map((w) => "─".repeat(w)).join("  ");
  return [
    line(cols.map((c) => c.header)),
    rule,
    ...rows.map((r) => (r === "separator" ? rule : line(cols.map((_, i) => r[i] ?? "")))),
  ];
}

/** A section heading: a blank line, the title and an underline. */
export const heading = (title: string): string[] => ["", title, "═".repeat(title.length)];
