// The table a nemesis run prints: operations by kind and outcome, faults by kind with the
// availability measured in their windows, the anomalies, and the last line
// `<ops> operations, <faults> faults, <n> anomalies`. Pure: history, windows and findings in, text out.
import { type AvailabilityRow, availabilityRows, median } from "./availability.js";
import type { Op } from "./history.js";
import type { FaultWindow } from "./nemesis.js";

export interface ReportInput {
  title: string;
  ops: Op[];
  windows: FaultWindow[];
  anomalies: string[];
  notes: string[];
}

const n = (x: number) => x.toLocaleString("en-US");
const pct = (a: number, b: number) => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)} %`);
const secs = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(2)} s`);

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`,
    ...rows.map(line),
  ];
}

function operations(ops: Op[]): string[] {
  const kinds = [...new Set(ops.map((o) => o.f))];
  const rows = kinds.map((f) => {
    const of = ops.filter((o) => o.f === f);
    const count = (t: string) => n(of.filter((o) => o.type === t).length);
    return [f, n(of.length), count("ok"), count("fail"), count("info")];
  });
  return table(["operation", "total", "ok", "fail", "info (unknown)"], rows);
}

const max = (xs: number[]) => (xs.length ? Math.max(...xs) : undefined);

function availability(rows: AvailabilityRow[]): string[] {
  return table(
    [
      "fault",
      "count",
      "ops in window",
      "answered",
      "heal → first ok (median / max)",
      "node caught up (median / max)",
    ],
    rows.map((r) => [
      r.label,
      r.windows === 0 ? "" : String(r.windows),
      n(r.ops),
      pct(r.answered, r.ops),
      r.windows === 0 ? "" : `${secs(median(r.healToOk))} / ${secs(max(r.healToOk))}`,
      r.rejoin.length === 0 && r.neverRejoined === 0
        ? ""
        : `${secs(median(r.rejoin))} / ${secs(max(r.rejoin))}${r.neverRejoined ? ` (${r.neverRejoined} never)` : ""}`,
    ]),
  );
}

export function report(r: ReportInput): string {
  const failed = r.windows.filter((w) => w.error).length;
  const lines = [
    r.title,
    "",
    ...operations(r.ops),
    "",
    ...availability(availabilityRows(r.ops, r.windows)),
    ...(failed > 0 ? [`(${failed} faults could not be injected in full; see the fault log)`] : []),
    ...r.notes,
    "",
    `anomalies: ${r.anomalies.length}`,
    ...r.anomalies.slice(0, 20).map((a) => `  - ${a}`),
    ...(r.anomalies.length > 20 ? [`  … and ${r.anomalies.length - 20} more`] : []),
    `${r.ops.length} operations, ${r.windows.length} faults, ${r.anomalies.length} anomalies`,
  ];
  return lines.join("\n");
}
