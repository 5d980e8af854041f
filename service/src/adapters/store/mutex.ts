/**
 * A FIFO async mutex. The SQLite store has one connection; a transaction body may await, so without this two
 * requests could interleave their statements inside one BEGIN ... COMMIT.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private locked = false;

  get isLocked(): boolean {
    return this.locked;
  }

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.locked = true;
    try {
      return await fn();
    } finally {
      this.locked = false;
      release();
    }
  }
}
