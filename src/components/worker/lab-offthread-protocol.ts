// Messages between the lab pages (mixing lifetimes, free() lookup, leak or fragmentation) and
// their worker (lab-offthread-worker.ts). Plain data only: races arrive as RaceViews.
import type {
  LifetimesLabOptions, FreeLookupLabOptions, LookupLaneFigures, Diagnosis, LeakLabOptions, LeakStreamName, SurveyRow,
} from "../../lib/index.js";
import type { RaceView } from "../core/race-view.js";

export interface LifetimesPayload {
  view: RaceView;
  /** Per lane and tick: regions owning chunks (requests in flight plus pinned ones). */
  regionsAlive: number[][];
  requests: number;
  longLived: number;
  longLivedAtEnd: number;
}

export interface FreeLookupPayload {
  view: RaceView;
  lanes: LookupLaneFigures[];
  oversize: number;
}

export interface LeakStreamsPayload {
  runs: Array<{ name: LeakStreamName; leaked: number; leakedBytes: number; ops: number; view: RaceView; diagnosis: Diagnosis }>;
}

export interface LeakSurveyPayload { rows: SurveyRow[] }

export interface LabJobs {
  lifetimes: { options: LifetimesLabOptions; payload: LifetimesPayload };
  "free-lookup": { options: FreeLookupLabOptions; payload: FreeLookupPayload };
  "leak-streams": { options: LeakLabOptions; payload: LeakStreamsPayload };
  "leak-survey": { options: LeakLabOptions; payload: LeakSurveyPayload };
}

export type LabName = keyof LabJobs;

export interface LabRequest<L extends LabName = LabName> { id: number; lab: L; options: LabJobs[L]["options"] }

export type LabReply =
  | { type: "result"; id: number; payload: LabJobs[LabName]["payload"]; ms: number }
  | { type: "error"; id: number; message: string };
