// whenNearView against a stand-in IntersectionObserver: it resolves on the first intersecting
// entry, only starts watching two frames after it is called, and a disposed watch never resolves.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { whenNearView } from "../../src/components/core/in-view.js";

type Callback = (entries: { isIntersecting: boolean }[]) => void;

class StandInObserver {
  static all: StandInObserver[] = [];
  observed: unknown[] = [];
  disconnected = false;
  constructor(readonly callback: Callback, readonly options: { rootMargin?: string }) { StandInObserver.all.push(this); }
  observe(element: unknown): void { this.observed.push(element); }
  disconnect(): void { this.disconnected = true; }
}

let frames: (() => void)[] = [];
const runFrame = () => { const now = frames; frames = []; now.forEach((f) => f()); };
const settled = async (promise: Promise<void>) => {
  let done = false;
  promise.then(() => { done = true; });
  await new Promise((r) => setTimeout(r, 0));
  return done;
};

describe("whenNearView", () => {
  const globals = globalThis as Record<string, unknown>;
  beforeEach(() => {
    StandInObserver.all = [];
    frames = [];
    globals.IntersectionObserver = StandInObserver;
    globals.requestAnimationFrame = (f: () => void) => { frames.push(f); return frames.length; };
  });
  afterEach(() => {
    delete globals.IntersectionObserver;
    delete globals.requestAnimationFrame;
  });

  it("watches two frames later, with the margin asked for, and resolves on the first entry in view", async () => {
    const element = {} as Element;
    const near = whenNearView(element, "400px");
    const [observer] = StandInObserver.all;
    expect(observer.options.rootMargin).toBe("400px");
    runFrame();
    expect(observer.observed).toEqual([]);
    runFrame();
    expect(observer.observed).toEqual([element]);
    observer.callback([{ isIntersecting: false }]);
    expect(await settled(near.promise)).toBe(false);
    observer.callback([{ isIntersecting: true }]);
    expect(await settled(near.promise)).toBe(true);
    expect(observer.disconnected).toBe(true);
  });

  it("disposed before the frames pass, it never watches and never resolves", async () => {
    const near = whenNearView({} as Element);
    near.dispose();
    runFrame();
    runFrame();
    expect(StandInObserver.all[0].observed).toEqual([]);
    expect(await settled(near.promise)).toBe(false);
  });

  it("without IntersectionObserver it resolves at once", async () => {
    delete globals.IntersectionObserver;
    expect(await settled(whenNearView({} as Element).promise)).toBe(true);
  });
});
