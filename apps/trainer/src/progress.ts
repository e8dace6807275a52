/**
 * A one-line progress bar redrawn in place on a terminal; on anything else (a pipe, a CI log) it
 * prints nothing, so logs keep only the tutorial's lines.
 */
export class Progress {
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  get interactive(): boolean {
    return this.stream.isTTY === true;
  }

  update(step: number, msPerStep: number): void {
    if (!this.interactive || performance.now() - this.lastDraw < 100) return;
    this.lastDraw = performance.now();
    const width = 30;
    const filled = Math.round((width * step) / Math.max(1, this.total));
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.stream.write(`\r${bar} step ${step}/${this.total}  ${msPerStep.toFixed(1)} ms/step `);
  }

  clear(): void {
    if (this.interactive) this.stream.write('\r\x1b[2K');
  }
}
