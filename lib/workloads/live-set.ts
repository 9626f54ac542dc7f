// The blocks a generator holds right now: ids with their requested sizes, kept in a dense member
// array so that a uniformly random live block can be drawn in O(1), and removed in O(1) by moving
// the last member into its place. Every array is indexed by id, which is fine because generators
// hand out ids 0, 1, 2, … in allocation order.
//
//   members[0 .. count)   live ids, in no particular order
//   indexOf[id] == i  ⇔  members[i] == id;  indexOf[id] == -1  ⇔  id is not live
//   bytes == Σ sizeOf(members[i])

export class LiveSet {
  count = 0;
  bytes = 0;
  private members = new Int32Array(256);
  private indexOf = new Int32Array(256).fill(-1);
  private sizes = new Int32Array(256);

  has(id: number): boolean {
    return id >= 0 && id < this.indexOf.length && this.indexOf[id] >= 0;
  }

  sizeOf(id: number): number {
    return this.sizes[id];
  }

  /** The i-th member, 0 ≤ i < count; the order changes whenever a block is removed. */
  at(i: number): number {
    return this.members[i];
  }

  add(id: number, size: number): void {
    if (id >= this.indexOf.length) this.growIds(id + 1);
    if (this.count === this.members.length) this.growMembers();
    this.indexOf[id] = this.count;
    this.members[this.count++] = id;
    this.sizes[id] = size;
    this.bytes += size;
  }

  remove(id: number): void {
    const i = this.indexOf[id];
    const last = this.members[--this.count];
    this.members[i] = last;
    this.indexOf[last] = i;
    this.indexOf[id] = -1;
    this.bytes -= this.sizes[id];
  }

  resize(id: number, size: number): void {
    this.bytes += size - this.sizes[id];
    this.sizes[id] = size;
  }

  /** A uniformly random live id; `random` returns values in [0, 1). The set must not be empty. */
  pick(random: () => number): number {
    return this.members[Math.floor(random() * this.count)];
  }

  private growIds(minimum: number): void {
    let capacity = this.indexOf.length * 2;
    while (capacity < minimum) capacity *= 2;
    const indexOf = new Int32Array(capacity).fill(-1);
    indexOf.set(this.indexOf);
    this.indexOf = indexOf;
    const sizes = new Int32Array(capacity);
    sizes.set(this.sizes);
    this.sizes = sizes;
  }

  private growMembers(): void {
    const members = new Int32Array(this.members.length * 2);
    members.set(this.members);
    this.members = members;
  }
}
