// Recycled ids (ReaderOptions.recycleIds, lines.ts BlockBook): the readers may give a new block the
// id of a dead one that nothing can name any more. The race must not be able to tell: the same ops
// and sizes, ids mapped consistently, a recycled id never standing for two blocks that the trace
// still refers to, and every lane's result equal to the race of the trace with one id per block.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OP_MALLOC, generateWorkload, race, type Trace } from "../../lib/index.js";
import { countIds } from "../../lib/trace/lines.js";
import { TraceTextParser } from "../../lib/trace/stream.js";
import { writeGlibcMtrace } from "../../bench/glibc-mtrace.js";

const SAMPLES = fileURLToPath(new URL("../../src/data/traces/", import.meta.url));
const MALLOCLAB = fileURLToPath(new URL("../../../shared/traces/malloclab/", import.meta.url));
const HAS_MALLOCLAB = existsSync(MALLOCLAB);
if (!HAS_MALLOCLAB) console.warn(`recycled ids: malloc-lab cases skipped, the CS:APP traces are not at ${MALLOCLAB} (they are not part of the repository)`);

function parse(text: string, recycleIds: boolean): Trace {
  const parser = new TraceTextParser("t", { recycleIds });
  parser.push(text);
  return parser.finish();
}

/**
 * Null when `recycled` is `plain` with its ids renamed safely, else what is wrong: ops, sizes and
 * dropped frees equal; each plain id always maps to the same recycled one; and a recycled id is
 * handed to a new plain id only once the plain id it stood for is never mentioned again.
 */
function recyclingError(plain: Trace, recycled: Trace): string | null {
  if (plain.length !== recycled.length || plain.droppedFrees !== recycled.droppedFrees) return "different lengths or dropped frees";
  const lastUse = new Int32Array(countIds(plain)).fill(-1);
  for (let i = 0; i < plain.length; i++) lastUse[plain.id[i]] = i;
  const mapped = new Int32Array(countIds(plain)).fill(-1);
  const holder = new Int32Array(Math.max(countIds(recycled), 1)).fill(-1);
  for (let i = 0; i < plain.length; i++) {
    if (plain.op[i] !== recycled.op[i] || plain.size[i] !== recycled.size[i]) return `op ${i} differs`;
    const p = plain.id[i], r = recycled.id[i];
    if (mapped[p] === -1) {
      if (plain.op[i] !== OP_MALLOC) return `op ${i}: plain id ${p} appears before its malloc`;
      const previous = holder[r];
      if (previous !== -1 && lastUse[previous] > i) return `op ${i}: id ${r} given to block ${p} while block ${previous} is mentioned again at op ${lastUse[previous]}`;
      mapped[p] = r;
      holder[r] = p;
    } else if (mapped[p] !== r) {
      return `op ${i}: plain id ${p} was id ${mapped[p]}, now ${r}`;
    }
  }
  return null;
}

// Frames only on the whole traces: the random ones are many, and their census figures say enough.
function expectSameRace(plain: Trace, recycled: Trace, frames = true): void {
  const options = { allocators: ["freelist", "segfit", "buddy", "tlsf"], ticks: frames ? 16 : 8, frames, arenaBytes: frames ? "auto" as const : 1 << 16 };
  expect(race(recycled, options).lanes).toEqual(race(plain, options).lanes);
}

// mtrace lines over a handful of addresses, so that names are reused, blocks are evicted by a
// malloc at a live address, freed twice, moved by realloc, and freed at addresses never allocated.
const ADDRESSES = [0x1000, 0x1040, 0x1080, 0x10c0, 0x1100, 0x1140];
const mtraceLine = fc.oneof(
  fc.record({ kind: fc.constant("+"), at: fc.nat(ADDRESSES.length - 1), size: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ kind: fc.constant("-"), at: fc.nat(ADDRESSES.length), size: fc.constant(0) }),
  fc.record({ kind: fc.constant("<>"), at: fc.nat(ADDRESSES.length - 1), to: fc.nat(ADDRESSES.length - 1), size: fc.integer({ min: 0, max: 300 }) }),
);
type MtraceLine = { kind: string; at: number; to?: number; size: number };
const hex = (n: number) => (n === 0 ? "0" : `0x${n.toString(16)}`);
// Index ADDRESSES.length is an address never allocated: its free is dropped.
const address = (at: number) => hex(ADDRESSES[at] ?? 0x9000);
function mtraceText(lines: MtraceLine[]): string {
  return lines.map((l) => l.kind === "+" ? `+ ${address(l.at)} ${hex(l.size)}\n`
    : l.kind === "-" ? `- ${address(l.at)}\n`
    : `< ${address(l.at)}\n> ${address(l.to!)} ${hex(l.size)}\n`).join("");
}

// .rep lines over a few ids: mallocs of live ids (leaks), frees of dead ones (double frees).
const repLine = fc.record({ kind: fc.constantFrom("a", "f", "r"), id: fc.nat(5), size: fc.integer({ min: 0, max: 300 }) });
function repText(lines: Array<{ kind: string; id: number; size: number }>): string {
  return `6\n${lines.length}\n` + lines.map((l) => (l.kind === "f" ? `f ${l.id}\n` : `${l.kind} ${l.id} ${l.size}\n`)).join("");
}

describe("recycled ids", () => {
  it("reuse a dead block's id only once its name has gone to another block", () => {
    // a is freed twice: its id 0 stays named by a (the second free is a double free of 0) until a
    // new block at a takes the name; only then is 0 free for the block at b.
    const text = "+ 0x1000 0x10\n- 0x1000\n- 0x1000\n+ 0x2000 0x10\n+ 0x1000 0x10\n+ 0x3000 0x10\n";
    expect([...parse(text, false).id]).toEqual([0, 0, 0, 1, 2, 3]);
    expect([...parse(text, true).id]).toEqual([0, 0, 0, 1, 2, 0]);
  });

  it("never reuse a block moved by realloc, nor one leaked by a .rep malloc of a live id", () => {
    // 0 moves from a to b and stays live; the block a malloc at b evicts (freed, id 0) is reused.
    const moved = "+ 0x1000 0x10\n< 0x1000\n> 0x2000 0x20\n+ 0x1000 0x10\n+ 0x2000 0x10\n+ 0x3000 0x10\n";
    expect([...parse(moved, true).id]).toEqual([0, 0, 1, 0, 2, 0]);
    // .rep id 0 is allocated twice: the first block (id 0) leaks and stays live, so it is never
    // reused; the second (id 1) dies, and is reused once .rep id 0 names a third block.
    const leaked = "2\n5\na 0 16\na 0 16\nf 0\na 0 16\na 1 16\n";
    expect([...parse(leaked, false).id]).toEqual([0, 1, 1, 2, 3]);
    expect([...parse(leaked, true).id]).toEqual([0, 1, 1, 2, 1]);
  });

  it("rename ids safely and race exactly like one id per block, on random mtrace text", () => {
    fc.assert(fc.property(fc.array(mtraceLine, { minLength: 1, maxLength: 120 }), (lines) => {
      const text = mtraceText(lines);
      const plain = parse(text, false), recycled = parse(text, true);
      expect(recyclingError(plain, recycled)).toBeNull();
      expect(countIds(recycled)).toBeLessThanOrEqual(countIds(plain));
      expectSameRace(plain, recycled, false);
    }), { numRuns: 100 });
  });

  it("rename ids safely and race exactly like one id per block, on random .rep text", () => {
    fc.assert(fc.property(fc.array(repLine, { minLength: 1, maxLength: 120 }), (lines) => {
      const text = repText(lines);
      const plain = parse(text, false), recycled = parse(text, true);
      expect(recyclingError(plain, recycled)).toBeNull();
      expectSameRace(plain, recycled, false);
    }), { numRuns: 100 });
  });

  it("shrink a glibc-like trace's id space to about its heap, and race it the same", () => {
    const text = writeGlibcMtrace(generateWorkload("larson", { seed: 3, ops: 40_000 }), 3);
    const plain = parse(text, false), recycled = parse(text, true);
    expect(recyclingError(plain, recycled)).toBeNull();
    expect(countIds(recycled)).toBeLessThan(countIds(plain) / 4);
    expectSameRace(plain, recycled);
  });

  it("change nothing the race sees on the sample traces", () => {
    for (const file of readdirSync(SAMPLES).filter((f) => /\.(rep|mtrace)$/.test(f))) {
      const text = readFileSync(SAMPLES + file, "utf8");
      const plain = parse(text, false), recycled = parse(text, true);
      expect(recyclingError(plain, recycled), file).toBeNull();
      expectSameRace(plain, recycled);
    }
  });

  it.skipIf(!HAS_MALLOCLAB)("change nothing the race sees on the malloc-lab traces", () => {
    for (const file of readdirSync(MALLOCLAB).filter((f) => f.endsWith(".rep"))) {
      const text = readFileSync(MALLOCLAB + file, "utf8");
      const plain = parse(text, false), recycled = parse(text, true);
      expect(recyclingError(plain, recycled), file).toBeNull();
      expectSameRace(plain, recycled);
    }
  }, 60_000);
});
