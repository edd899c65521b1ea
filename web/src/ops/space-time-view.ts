// Draws a space-time diagram (space-time.ts) as SVG: lanes as horizontal lines, each event a dot
// with its vector clock, each message an arrow.
import { html, svg } from "lit";
import type { Arrow, Diagram, LanePoint, Mark } from "./space-time.js";

const LANE_GAP = 72;
const COLUMN_WIDTH = 44;
const LEFT = 170;
const TOP = 48;

const x = (p: LanePoint) => LEFT + p.column * COLUMN_WIDTH;
const y = (p: LanePoint) => TOP + p.lane * LANE_GAP;

function arrow(a: Arrow) {
  // An answer that is simply "ok" needs no words: the dashed line says it.
  const label = a.kind === "reply" && !a.broken ? "" : a.label;
  const midX = (x(a.from) + x(a.to)) / 2;
  const midY = (y(a.from) + y(a.to)) / 2;
  return svg`<g class="arrow ${a.kind} ${a.broken ? "broken" : ""}">
    <line x1=${x(a.from)} y1=${y(a.from)} x2=${x(a.to)} y2=${y(a.to)} marker-end="url(#head)"></line>
    ${label ? svg`<text x=${midX + 4} y=${midY - 4}>${label}</text>` : ""}
  </g>`;
}

/** Labels of neighbouring columns alternate between two rows, so they do not run into each other. */
const labelY = (m: Mark) =>
  m.lane === 0 ? y(m) - 10 - (Math.floor(m.column) % 2) * 12 : y(m) + 18 + (Math.floor(m.column) % 2) * 12;

export function spaceTimeView(d: Diagram) {
  const width = LEFT + Math.max(1, d.columns) * COLUMN_WIDTH + 40;
  const height = TOP + d.lanes.length * LANE_GAP;
  return html`<div class="diagram-scroll" tabindex="0" role="group" aria-label="Space-time diagram">
    <svg class="space-time" width=${width} height=${height} viewBox="0 0 ${width} ${height}"
      role="img" aria-label="Space-time diagram: ${d.lanes.length} lanes, ${d.arrows.length} messages" data-cy="space-time">
      <defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"></path></marker></defs>
      ${d.lanes.map(
        (name, lane) => svg`<g class="lane" data-lane=${name}>
          <text x="8" y=${TOP + lane * LANE_GAP + 4}>${name}</text>
          <line x1=${LEFT - 10} y1=${TOP + lane * LANE_GAP} x2=${width - 10} y2=${TOP + lane * LANE_GAP}></line>
        </g>`,
      )}
      ${d.arrows.map(arrow)}
      ${d.marks.map(
        (m) => svg`<g class="mark"><circle cx=${x(m)} cy=${y(m)} r="5"><title>${m.title}</title></circle>
          <text x=${x(m)} y=${labelY(m)} text-anchor="middle">${m.label}</text></g>`,
      )}
    </svg>
  </div>`;
}
