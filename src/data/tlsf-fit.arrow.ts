// tlsf-fit.arrow — TLSF (8, 16 and 32 second-level lists, and 32 with the own-list-first search)
// against the free list's best fit in address order, first fit and segfit on every sample trace:
// one leaderboard row per lane. Deterministic.
import { raceSummaryTable, toArrowBytes } from "../lib/arrow.js";
import { TLSF_FIT_LANES } from "../lib/index.js";
import { buildSources, runBuildRaces, writeArrow } from "./build-races.js";

const races = buildSources().filter((s) => s.kind === "trace")
  .flatMap((s) => runBuildRaces({ lanes: [...TLSF_FIT_LANES], frames: false }, s.source));
writeArrow(toArrowBytes(raceSummaryTable(races)));
