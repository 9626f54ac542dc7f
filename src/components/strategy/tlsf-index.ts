// The TLSF index math for one request, worked out live from lib/allocators/tlsf.ts for the page's
// knob: the block size, the list a free block of that size is stored on, and the list a search
// starts from (the request rounded up to a list boundary), each with the sizes it holds; with the
// own-list-first search, the look at the stored-on list's head that comes before.
import { tlsfBlockSizeFor as blockSizeFor, tlsfGeometry, tlsfListFloor, tlsfListOf, tlsfSearchListOf } from "../../lib/index.js";

export function tlsfIndexExample(request: number, { secondLevel = 32, search: searchPolicy = "round-up", arenaBytes = 2 * 1024 * 1024 }: { secondLevel?: number; search?: string; arenaBytes?: number } = {}): HTMLElement {
  const g = tlsfGeometry(secondLevel, arenaBytes);
  const size = blockSizeFor(request);
  const range = (fl: number, sl: number) => {
    const floor = tlsfListFloor(g, fl, sl);
    const next = sl + 1 < g.slCount ? tlsfListFloor(g, fl, sl + 1) : tlsfListFloor(g, fl + 1, 0);
    return `(${fl}, ${sl}) holds ${floor}–${next - 1} B`;
  };
  const stored = tlsfListOf(g, size);
  const search = tlsfSearchListOf(g, size);
  const f = 31 - Math.clz32(size);
  const rows: [string, string][] = [
    ["block", `${request} B + 8 B header, rounded to 16: ${size} B`],
    ["first level", size < g.smallBlock ? `below ${g.smallBlock} B: the linear lists, fl 0, sl = ${size} / 8` : `floor(log2 ${size}) = ${f}, fl = ${f} − log2 ${g.smallBlock} + 1 = ${stored.fl}`],
    ["stored on", `${range(stored.fl, stored.sl)}${size >= g.smallBlock ? ` (sl = ${size} >> ${f - g.slLog2} − ${g.slCount})` : ""}`],
    ...(searchPolicy === "own-list-first" && size >= g.smallBlock
      ? [["own list first", `the head of list (${stored.fl}, ${stored.sl}), the one it is stored on: taken if it is at least ${size} B, otherwise the search below`] as [string, string]]
      : []),
    ["searched from", size < g.smallBlock
      ? `${range(search.fl, search.sl)}: a linear list holds one size, so no rounding`
      : `${size} + 2^${f - g.slLog2} − 1 = ${size + (1 << (f - g.slLog2)) - 1} → ${range(search.fl, search.sl)}${search.fl === stored.fl && search.sl === stored.sl ? ": the same list, because every block on it fits" : ": the next list, because a block on the one it is stored on may be too small"}`],
  ];
  const table = document.createElement("table");
  table.className = "method-table tlsf-index";
  const body = table.createTBody();
  for (const [name, text] of rows) {
    const tr = body.insertRow();
    tr.insertCell().textContent = name;
    tr.insertCell().textContent = text;
  }
  const caption = table.createCaption();
  caption.textContent = `malloc(${request}) with ${g.slCount} second-level lists per power of two (linear lists below ${g.smallBlock} B)`;
  return table;
}
