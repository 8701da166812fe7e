import type { Page } from 'playwright-core';

export interface CompareRow {
  rater: string;
  cells: string[];
}

export class ComparePage {
  constructor(readonly page: Page) {}

  async show(): Promise<void> {
    await this.page.click('[data-testid=nav-compare]');
    await this.page.waitForSelector('[data-testid=compare-view][data-status=ready]');
  }

  async studyCount(): Promise<number> {
    return Number(await this.page.getAttribute('[data-testid=compare-view]', 'data-study-count'));
  }

  async chooseClass(cls: string): Promise<void> {
    await this.page.click(`[data-testid=compare-class-${cls}]`);
  }

  async chooseReference(reference: string): Promise<void> {
    await this.page.selectOption('[data-testid=compare-reference]', reference);
    await this.page.waitForSelector('[data-testid=compare-view][data-status=ready]');
  }

  async rows(): Promise<CompareRow[]> {
    return this.page.$$eval('[data-testid=compare-table] tbody tr[data-rater]', (rows) =>
      rows.map((row) => ({ rater: (row as HTMLElement).dataset.rater ?? '', cells: [...row.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '') })),
    );
  }

  async disagreementIds(): Promise<number[]> {
    return this.page.$$eval('[data-testid=disagreement]', (buttons) => buttons.map((b) => Number((b as HTMLElement).dataset.studyId)));
  }

  async exportCsv(): Promise<string> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.click('[data-testid=compare-export]')]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}
