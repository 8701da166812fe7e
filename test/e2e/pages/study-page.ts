import type { Page } from 'playwright-core';

/** The study view; waits on the canvas's data-rendered signal ("slice:center:width:cam"). */
export class StudyPage {
  constructor(readonly page: Page) {}

  async waitReady(studyId?: number): Promise<void> {
    const view = studyId === undefined ? '[data-testid=study-view][data-status=ready]' : `[data-testid=study-view][data-status=ready][data-study-id="${studyId}"]`;
    await this.page.waitForSelector(view);
    await this.page.waitForSelector('[data-testid=slice-canvas]:not([data-rendered=""])');
  }

  async rendered(): Promise<{ slice: number; center: number; width: number; cam: string }> {
    const value = (await this.page.getAttribute('[data-testid=slice-canvas]', 'data-rendered')) ?? '';
    const [slice, center, width, cam] = value.split(':');
    return { slice: Number(slice), center: Number(center), width: Number(width), cam: cam ?? '' };
  }

  /** Waits until the canvas shows what `predicate` wants, then returns it. */
  async waitRendered(predicate: (r: { slice: number; center: number; width: number; cam: string }) => boolean, timeoutMs = 15_000): Promise<{ slice: number; center: number; width: number; cam: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await this.rendered();
      if (predicate(now)) return now;
      if (Date.now() > deadline) throw new Error(`canvas never reached the expected state; last: ${JSON.stringify(now)}`);
      await this.page.waitForFunction(
        (previous) => document.querySelector('[data-testid=slice-canvas]')?.getAttribute('data-rendered') !== previous,
        `${now.slice}:${now.center}:${now.width}:${now.cam}`,
        { timeout: Math.max(1, deadline - Date.now()), polling: 50 },
      ).catch(() => undefined);
    }
  }

  /** How many canvas pixels are coloured (the heat map) rather than grey (the CT). */
  async colouredPixels(): Promise<number> {
    return this.page.$eval('[data-testid=slice-canvas]', (element) => {
      const canvas = element as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 30) count++;
      }
      return count;
    });
  }

  async windowLabel(): Promise<string> {
    return (await this.page.textContent('[data-testid=window-label]'))?.trim() ?? '';
  }

  async wheel(steps: number): Promise<void> {
    const box = (await this.page.locator('[data-testid=slice-canvas]').boundingBox())!;
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < Math.abs(steps); i++) await this.page.mouse.wheel(0, steps > 0 ? 100 : -100);
  }

  async dragWindow(dx: number, dy: number): Promise<void> {
    const box = (await this.page.locator('[data-testid=slice-canvas]').boundingBox())!;
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(x + dx, y + dy, { steps: 5 });
    await this.page.mouse.up();
  }

  /** Clicks the probability chart at a fraction of its plot width (chart.js maps it to a slice). */
  async clickChart(fraction: number): Promise<void> {
    const box = (await this.page.locator('[data-testid=prob-chart] canvas').boundingBox())!;
    await this.page.mouse.click(box.x + box.width * fraction, box.y + box.height / 2);
  }

  async chartCurrent(): Promise<number> {
    return Number(await this.page.getAttribute('[data-testid=prob-chart]', 'data-current'));
  }

  async recordRead(read: { reader: string; present: string[]; note: string; markCurrentSlice?: boolean }): Promise<void> {
    await this.page.fill('[data-testid=read-reader]', read.reader);
    for (const cls of read.present) await this.page.check(`[data-testid=read-${cls}]`);
    if (read.markCurrentSlice) await this.page.click('[data-testid=read-mark]');
    await this.page.fill('[data-testid=read-note]', read.note);
    await this.page.click('[data-testid=read-save]');
    await this.page.waitForSelector('[data-testid=read-form][data-status=saved]');
  }

  async recordedReads(): Promise<string> {
    return (await this.page.textContent('[data-testid=recorded-reads]')) ?? '';
  }
}
