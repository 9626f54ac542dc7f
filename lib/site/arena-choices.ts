// Arena sizes offered in the page: powers of two from the 64 KiB minimum to 64 MiB (larger arenas
// work in lib, but a browser tab holding five of them would not thank you), plus "auto".
import { parseByteSize } from "../bytes.js";

const KiB = 1024;
const MiB = 1024 * KiB;

export function arenaChoices(): string[] {
  const choices: string[] = [];
  for (let bytes = 64 * KiB; bytes <= 64 * MiB; bytes *= 2) choices.push(bytes < MiB ? `${bytes / KiB}KiB` : `${bytes / MiB}MiB`);
  return [...choices, "auto"];
}

/** "512KiB", "2MiB", "1g", "auto" → bytes or "auto" (the one size parser, lib/bytes.ts); throws RangeError quoting anything else. */
export function parseArenaChoice(choice: string): number | "auto" {
  if (choice === "auto") return "auto";
  try {
    return parseByteSize(choice);
  } catch {
    throw new RangeError(`invalid arena: ${JSON.stringify(choice)} (choose a size like 2MiB, or auto)`);
  }
}

