// One job at a time on a worker, the newest winning: starting a job while one is running
// terminates the busy worker and starts a fresh one, so a reader who moves a knob twice never waits
// for the run they no longer want. The race page and the labs all drive their workers this way.
// A replaced job is rejected as superseded (not an error to show); a worker that crashes rejects
// its job with a message the page shows, and the next job starts a fresh worker.

/** What a client needs of a worker: a real Worker, or a stand-in in tests. */
export type WorkerLike = Pick<Worker, "postMessage" | "terminate"> & {
  onmessage: ((event: MessageEvent) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
};

/** How a reply bears on the job: undefined keeps it waiting (progress), else it settles it. */
export type Settlement<T> = { value: T } | { error: Error } | undefined;

interface Job {
  id: number;
  handle: (reply: never) => Settlement<unknown>;
  resolve: (value: never) => void;
  reject: (error: Error) => void;
}

export class SupersedingWorker<Reply extends { id: number }> {
  private worker: WorkerLike | null = null;
  private current: Job | null = null;
  private nextId = 1;

  /** `what` names the worker in a crash message ("the race worker crashed (…)"). */
  constructor(private readonly spawn: () => WorkerLike, private readonly what: string) {}

  /** Posts `message(id)` and settles with what `handle` makes of the replies to that id. */
  run<T>(message: (id: number) => unknown, handle: (reply: Reply) => Settlement<T>): Promise<T> {
    this.supersede();
    const worker = (this.worker ??= this.connect(this.spawn()));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.current = { id, handle: handle as (reply: never) => Settlement<unknown>, resolve: resolve as (value: never) => void, reject };
      worker.postMessage(message(id));
    });
  }

  /**
   * Posts a further message to job `id`'s worker (the bytes of a file it asked for); false, and
   * nothing posted, once that job is over or was replaced.
   */
  post(id: number, message: unknown, transfer: Transferable[] = []): boolean {
    if (!this.worker || this.current?.id !== id) return false;
    this.worker.postMessage(message, transfer);
    return true;
  }

  /**
   * Starts the worker before its first job, so that loading its code is not on that job's path,
   * and posts `message`, if given, to the worker it starts: work that is not a job (nothing waits
   * for it, nothing supersedes it), such as a warm-up the first job then queues behind. A worker
   * already running gets nothing.
   */
  warm(message?: unknown): void {
    if (this.worker) return;
    this.worker = this.connect(this.spawn());
    if (message !== undefined) this.worker.postMessage(message);
  }

  /** Stops the job in progress, if any (rejected as superseded), and the worker busy with it. */
  supersede(): void {
    if (!this.current) return;
    this.dropWorker();
    this.settle({ error: superseded("superseded by a newer run") });
  }

  /** Stops everything: the page moved on. */
  terminate(): void {
    this.dropWorker();
    this.settle({ error: superseded("the page moved on") });
  }

  private dropWorker(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private connect(worker: WorkerLike): WorkerLike {
    worker.onmessage = (event: MessageEvent<Reply>) => {
      if (worker !== this.worker || !this.current || event.data.id !== this.current.id) return;
      const outcome = this.current.handle(event.data as never);
      if (outcome) this.settle(outcome);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (worker !== this.worker) return;
      this.dropWorker();
      this.settle({ error: new Error(`${this.what} crashed (${event.message || "unknown error"}); change a setting to run it again`) });
    };
    return worker;
  }

  private settle(outcome: { value: unknown } | { error: Error }): void {
    const job = this.current;
    this.current = null;
    if (!job) return;
    if ("error" in outcome) job.reject(outcome.error);
    else job.resolve(outcome.value as never);
  }
}

function superseded(message: string): Error {
  return Object.assign(new Error(message), { superseded: true });
}

/** True for the rejection of a job that a newer one replaced (or the page left): not an error to show. */
export function isSuperseded(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { superseded?: boolean }).superseded === true;
}
