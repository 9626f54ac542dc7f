// Blocks waiting to die, ordered by the op at which they are due: a binary min-heap over two
// parallel typed arrays, so scheduling a lifetime costs no object.
//
//   due[parent(i)] ≤ due[i]  for every i in [1, count)

export class DeathQueue {
  count = 0;
  private due = new Float64Array(256);
  private ids = new Int32Array(256);

  /** The op at which the earliest block is due; the queue must not be empty. */
  peekDue(): number {
    return this.due[0];
  }

  push(id: number, dueAt: number): void {
    if (this.count === this.ids.length) this.grow();
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.due[parent] <= dueAt) break;
      this.due[i] = this.due[parent];
      this.ids[i] = this.ids[parent];
      i = parent;
    }
    this.due[i] = dueAt;
    this.ids[i] = id;
  }

  /** Removes and returns the id due first; the queue must not be empty. */
  pop(): number {
    const first = this.ids[0];
    const n = --this.count;
    const lastDue = this.due[n];
    const lastId = this.ids[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.due[child + 1] < this.due[child]) child++;
      if (this.due[child] >= lastDue) break;
      this.due[i] = this.due[child];
      this.ids[i] = this.ids[child];
      i = child;
    }
    this.due[i] = lastDue;
    this.ids[i] = lastId;
    return first;
  }

  private grow(): void {
    const due = new Float64Array(this.due.length * 2);
    due.set(this.due);
    this.due = due;
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.ids = ids;
  }
}
