import type { Page } from 'playwright-core';

export class ImportPage {
  constructor(readonly page: Page) {}

  async importFile(format: 'cq500' | 'rsna', file: string, reader?: string): Promise<{ imported: number; unmatched: number }> {
    await this.page.click('[data-testid=nav-import]');
    await this.page.selectOption('[data-testid=import-format]', format);
    if (reader !== undefined) await this.page.fill('[data-testid=import-reader]', reader);
    await this.page.setInputFiles('[data-testid=import-file]', file);
    await this.page.click('[data-testid=import-run]');
    await this.page.waitForSelector('[data-testid=import-view][data-status=done], [data-testid=import-view][data-status=error]');
    const result = this.page.locator('[data-testid=import-result]');
    if ((await result.count()) === 0) throw new Error(`import failed: ${await this.page.textContent('[data-testid=import-view]')}`);
    return { imported: Number(await result.getAttribute('data-imported')), unmatched: Number(await result.getAttribute('data-unmatched')) };
  }

  async unmatchedKeys(): Promise<string[]> {
    return this.page.$$eval('[data-testid=import-unmatched] tbody tr td:first-child', (cells) => cells.map((cell) => cell.textContent?.trim() ?? ''));
  }
}
