// One requestAnimationFrame loop for the whole page. Messages only change the market state; the
// panels are drawn here, at most once a frame (or once per the chosen update interval), and only
// those whose data changed. A hidden tab gets no frames, and the state stays bounded meanwhile.

export class FrameLoop {
  private handle = 0;
  private lastDraw = 0;
  minIntervalMs = 0;

  constructor(private readonly draw: (now: number) => void) {}

  start(): void {
    const tick = (now: number): void => {
      this.handle = requestAnimationFrame(tick);
      if (now - this.lastDraw + 1 < this.minIntervalMs) return;
      this.lastDraw = now;
      this.draw(now);
    };
    this.handle = requestAnimationFrame(tick);
  }

  stop(): void {
    cancelAnimationFrame(this.handle);
  }
}
