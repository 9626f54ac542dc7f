// A trace written as the text glibc's mtrace() would have produced had a program made those calls
// under glibc malloc (see bench/parse-race.ts for the model): shared by the benchmarks that need
// realistic mtrace files and the tests that stream them.
import { randomLcg } from "d3-random";
import { OP_FREE, OP_MALLOC, type Trace } from "../lib/trace/types.js";


// Callers as glibc 2.36 prints them (offsets without 0x since 2.34), weighted by how often each
// shows up: allocation wrappers dominate real traces.
const CALLERS: readonly (readonly [string, number])[] = [
  ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6:(_Znwm+1c)[0xaa0bc]", 30],
  ["./server:(xmalloc+14)[0x41a2f4]", 20],
  ["/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0:(PyObject_Malloc+9b)[0x1b9c2b]", 12],
  ["/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0:(g_malloc+19)[0x5e5a9]", 8],
  ["./server:(buffer_grow+3a)[0x40c81a]", 6],
  ["/usr/lib/x86_64-linux-gnu/libc.so.6:(__strdup+1a)[0x9a7fa]", 6],
  ["/usr/lib/x86_64-linux-gnu/libc.so.6:[0x3ddff]", 5],
  ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6:(_ZdlPvm+e)[0xa85ce]", 4],
  ["./server:[0x4172c9]", 4],
  ["/usr/lib/x86_64-linux-gnu/libcrypto.so.3:(CRYPTO_malloc+3e)[0x1b8a3e]", 3],
  ["[0x7f6c2e41d2a1]", 2],
];

const HEAP_BASE = 0x55d0_c3a2_a000;   // where a PIE program's brk heap typically starts
const MMAP_BASE = 0x7f6c_2c00_0000;   // and where its mmapped chunks go
const MMAP_THRESHOLD = 128 * 1024;    // glibc's default M_MMAP_THRESHOLD
const PAGE = 4096;

/** glibc's chunk size for a request: 8 bytes of size field, 16-byte granules, at least 32. */
function chunkBytesOf(size: number): number {
  return Math.max(32, (size + 8 + 15) & ~15);
}

/** A trace as glibc mtrace text, with the addresses a glibc-like heap would have handed out. */
export function writeGlibcMtrace(trace: Trace, seed: number): string {
  const chunks: string[] = [];
  writeGlibcMtraceTo(trace, seed, (piece) => chunks.push(piece));
  return chunks.join("");
}

/** The same text, handed to `write` in pieces of about 64 KiB: for files too large for one string. */
export function writeGlibcMtraceTo(trace: Trace, seed: number, write: (piece: string) => void): void {
  const random = randomLcg(seed);
  const totalWeight = CALLERS.reduce((sum, [, weight]) => sum + weight, 0);
  const caller = (): string => {
    let pick = random() * totalWeight;
    for (const [name, weight] of CALLERS) if ((pick -= weight) < 0) return name;
    return CALLERS[0][0];
  };

  const ids = trace.id.reduce((max, id) => Math.max(max, id + 1), 0);
  const addressOf = new Float64Array(ids);   // current address of each live id
  const chunkOf = new Float64Array(ids);     // its chunk bytes (0: mmapped)
  const bins = new Map<number, number[]>();  // chunk bytes → freed addresses, most recent last
  let top = HEAP_BASE;                       // the top chunk starts here
  let mmapped = MMAP_BASE;

  const allocate = (size: number): [address: number, chunk: number] => {
    if (size >= MMAP_THRESHOLD) {
      const address = mmapped + 16;
      mmapped += Math.ceil((size + 16) / PAGE) * PAGE + PAGE;
      return [address, 0];
    }
    const chunk = chunkBytesOf(size);
    const reused = bins.get(chunk)?.pop();
    if (reused !== undefined) return [reused, chunk];
    const address = top + 16;
    top += chunk;
    return [address, chunk];
  };
  const release = (address: number, chunk: number): void => {
    if (chunk === 0) return; // munmapped
    if (address - 16 + chunk === top) { top -= chunk; return; } // merges back into the top chunk
    (bins.get(chunk) ?? bins.set(chunk, []).get(chunk)!).push(address);
  };

  write("= Start\n");
  let text = "";
  for (let i = 0; i < trace.length; i++) {
    const id = trace.id[i];
    const op = trace.op[i];
    const size = trace.size[i];
    if (op === OP_MALLOC) {
      [addressOf[id], chunkOf[id]] = allocate(size);
      text += `@ ${caller()} + 0x${addressOf[id].toString(16)} 0x${size.toString(16)}\n`;
    } else if (op === OP_FREE) {
      text += `@ ${caller()} - 0x${addressOf[id].toString(16)}\n`;
      release(addressOf[id], chunkOf[id]);
    } else {
      const where = caller();
      const old = addressOf[id];
      const chunk = chunkOf[id];
      const wanted = size >= MMAP_THRESHOLD ? 0 : chunkBytesOf(size);
      if (chunk !== 0 && wanted !== 0 && wanted <= chunk) {
        // shrinks in place (glibc splits off the tail when it is big enough; either way it stays)
      } else if (chunk !== 0 && wanted !== 0 && old - 16 + chunk === top) {
        top += wanted - chunk;                 // the last chunk grows into the top chunk
        chunkOf[id] = wanted;
      } else {
        const [address, newChunk] = allocate(size);
        release(old, chunk);
        addressOf[id] = address;
        chunkOf[id] = newChunk;
      }
      text += `@ ${where} < 0x${old.toString(16)}\n@ ${where} > 0x${addressOf[id].toString(16)} 0x${size.toString(16)}\n`;
    }
    // Bounded pieces keep string concatenation from building one huge rope.
    if (text.length > 1 << 16) { write(text); text = ""; }
  }
  write(text + "= End\n");
}
