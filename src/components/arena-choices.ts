// Arena sizes offered in the page: powers of two from the 64 KiB minimum to 64 MiB (larger arenas
// work in lib, but a browser tab holding five of them would not thank you), plus "auto".
const KiB = 1024;
const MiB = 1024 * KiB;

export function arenaChoices(): string[] {
  const choices: string[] = [];
  for (let bytes = 64 * KiB; bytes <= 64 * MiB; bytes *= 2) choices.push(bytes < MiB ? `${bytes / KiB}KiB` : `${bytes / MiB}MiB`);
  return [...choices, "auto"];
}

/** "512KiB" → 524288, "auto" → "auto"; throws RangeError quoting anything else. */
export function parseArenaChoice(choice: string): number | "auto" {
  if (choice === "auto") return "auto";
  const match = /^(\d+)(KiB|MiB)$/.exec(choice);
  if (!match) throw new RangeError(`invalid arena: ${JSON.stringify(choice)} (choose a size like 2MiB, or auto)`);
  return Number(match[1]) * (match[2] === "KiB" ? KiB : MiB);
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(2)} MiB`;
  if (bytes >= KiB) return `${+(bytes / KiB).toFixed(1)} KiB`;
  return `${bytes} B`;
}
