/** One job at a time, in order: the inbox and the mail listener never intake two packages at once. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const p = this.tail.then(job, job);
    this.tail = p.then(
      () => this.pending--,
      () => this.pending--,
    );
    return p;
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves once every job queued so far has finished. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }
}
