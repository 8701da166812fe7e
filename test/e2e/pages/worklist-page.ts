import type { Page } from 'playwright-core';

export interface WorklistRow {
  studyId: number;
  uid: string;
  state: string;
  flagged: boolean;
  flaggedClasses: string[];
  /** The `any` score as shown ("0.92"), or "–" before triage. */
  anyScore: string;
  read: string;
}

/** The worklist screen: rows are read from their data-* render signals. */
export class WorklistPage {
  constructor(readonly page: Page) {}

  async show(): Promise<void> {
    await this.page.click('[data-testid=nav-worklist]');
    await this.page.waitForSelector('[data-testid=worklist][data-status=ready]');
  }

  async rows(): Promise<WorklistRow[]> {
    return this.page.$$eval('[data-testid=study-row]', (elements) =>
      elements
        .map((element) => {
          const row = element as HTMLElement;
          return {
            index: Number(row.dataset.index),
            studyId: Number(row.dataset.studyId),
            uid: row.dataset.uid ?? '',
            state: row.dataset.state ?? '',
            flagged: row.dataset.flagged === 'true',
            flaggedClasses: (row.dataset.flaggedClasses ?? '').split(' ').filter(Boolean),
            anyScore: row.querySelector('[data-testid=score-any]')?.textContent?.trim() ?? '',
            read: row.querySelector('[data-testid=read-cell]')?.textContent?.trim() ?? '',
          };
        })
        .sort((a, b) => a.index - b.index)
        .map(({ index: _index, ...rest }) => rest),
    );
  }

  /** Waits until the given studies are all in a final state (done or error). */
  async waitForFinished(uids: string[], timeoutMs: number): Promise<void> {
    await this.page.waitForFunction(
      (wanted) =>
        wanted.every((uid) => {
          const row = document.querySelector<HTMLElement>(`[data-testid=study-row][data-uid="${uid}"]`);
          return row?.dataset.state === 'done' || row?.dataset.state === 'error';
        }),
      uids,
      { timeout: timeoutMs, polling: 250 },
    );
  }

  async waitForRowCount(count: number, timeoutMs: number): Promise<void> {
    await this.page.waitForFunction((n) => document.querySelectorAll('[data-testid=study-row]').length >= n, count, { timeout: timeoutMs, polling: 100 });
  }

  async sortBy(key: string): Promise<void> {
    await this.page.click(`[data-sort="${key}"]`);
  }

  async openWithKeyboard(uid: string): Promise<void> {
    const rows = await this.rows();
    const target = rows.findIndex((row) => row.uid === uid);
    const selected = await this.page.$eval('[data-testid=study-row][aria-selected=true]', (row) => Number((row as HTMLElement).dataset.index));
    const key = target > selected ? 'ArrowDown' : 'ArrowUp';
    for (let i = 0; i < Math.abs(target - selected); i++) await this.page.keyboard.press(key);
    await this.page.keyboard.press('Enter');
  }
}
