// Types of scripts/cli-bundle.mjs, for the TypeScript that imports it (cli/parallel-race.ts).
export declare const CLI_BUNDLE_DIR: string;
export declare function ensureCliBundle(): Promise<{ race: URL; laneWorker: URL }>;
