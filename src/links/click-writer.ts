/**
 * Group commit for clicks. A click is written right away when nothing is being written;
 * clicks that arrive while a write is in flight wait for it and then go together in the
 * next D1 batch. No delay is added at low traffic, and under load one batch carries many
 * clicks instead of one round trip each.
 */
export class GroupCommit<Item> {
  private queue: { item: Item; done: () => void }[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    private readonly maxBatch: number,
    private readonly onError: (error: unknown, items: Item[]) => void,
  ) {}

  /** Resolves once the batch holding `item` has been written (or has failed and been logged). */
  add(item: Item, write: (items: Item[]) => Promise<void>): Promise<void> {
    const written = new Promise<void>((done) => this.queue.push({ item, done }));
    this.writing ??= this.drain(write).finally(() => {
      this.writing = null;
    });
    return written;
  }

  private async drain(write: (items: Item[]) => Promise<void>) {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const items = batch.map((entry) => entry.item);
      try {
        await write(items);
      } catch (error) {
        this.onError(error, items);
      }
      for (const entry of batch) entry.done();
    }
  }
}
