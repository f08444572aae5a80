// Finds byte signatures in a part as it streams by, across chunk borders, keeping only the
// last few bytes of the previous chunk.

export class SignatureSearch {
  readonly hits = new Set<number>();
  private tail = Buffer.alloc(0);
  private readonly overlap: number;

  constructor(private readonly signatures: readonly Buffer[]) {
    this.overlap = Math.max(0, ...signatures.map((s) => s.length - 1));
  }

  feed(chunk: Buffer): void {
    if (this.signatures.length === 0 || this.hits.size === this.signatures.length) return;
    const window = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    this.signatures.forEach((signature, i) => {
      if (!this.hits.has(i) && window.includes(signature)) this.hits.add(i);
    });
    this.tail = Buffer.from(window.subarray(Math.max(0, window.length - this.overlap)));
  }
}
