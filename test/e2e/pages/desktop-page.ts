import type { Page } from 'playwright-core';

/** The workstation's own screens: intake controls, settings, audit, and the notifications the page raises. */
export class DesktopPage {
  constructor(readonly page: Page) {}

  /**
   * Records every Web Notification the page constructs (the real one still runs, with the context's
   * permission); call before the page loads.
   */
  static async recordNotifications(page: Page): Promise<void> {
    // A string, not a function: the test runner's TypeScript transform would add helpers the page lacks.
    await page.addInitScript(`{
      const Real = window.Notification;
      const notices = [];
      window.__notices = notices;
      window.Notification = class extends Real {
        constructor(title, options) {
          super(title, options);
          notices.push(this);
        }
      };
    }`);
  }

  notices(): Promise<{ title: string; body: string; tag: string }[]> {
    return this.page.evaluate(() => (window as unknown as { __notices: Notification[] }).__notices.map((n) => ({ title: n.title, body: n.body, tag: n.tag })));
  }

  /** Clicks the index-th notification as the system would. */
  clickNotice(index: number): Promise<void> {
    return this.page.evaluate((i) => void (window as unknown as { __notices: Notification[] }).__notices[i]!.dispatchEvent(new Event('click')), index);
  }

  /** Copies a folder into the inbox through "Open folder…", and waits until the page reports it done. */
  async openFolder(folder: string): Promise<{ written: number; failed: number }> {
    await this.page.setInputFiles('[data-testid=open-folder-input]', folder);
    return this.waitIntakeResult();
  }

  /** Drops files on the window as a drag from the desktop would. */
  async dropFiles(files: { name: string; base64: string }[]): Promise<{ written: number; failed: number }> {
    await this.page.evaluate((list) => {
      const transfer = new DataTransfer();
      for (const { name, base64 } of list) transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name));
      document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, files);
    return this.waitIntakeResult();
  }

  private async waitIntakeResult(): Promise<{ written: number; failed: number }> {
    const result = await this.page.waitForSelector('[data-testid=intake-result]', { timeout: 120_000 });
    const read = async (name: string) => Number(await result.getAttribute(name));
    return { written: await read('data-written'), failed: await read('data-failed') };
  }

  async showSettings(): Promise<void> {
    await this.page.click('[data-testid=nav-settings]');
    await this.page.waitForSelector('[data-testid=settings-save]');
  }

  /** Fills one settings field, saves, and returns the outcome: 'saved', or the refusal's text. */
  async changeSetting(testId: string, value: string): Promise<string> {
    await this.page.fill(`[data-testid=${testId}]`, value);
    await this.page.click('[data-testid=settings-save]');
    const outcome = await this.page.waitForSelector('[data-testid=settings-view][data-state=saved], [data-testid=settings-view][data-state=error]');
    if ((await outcome.getAttribute('data-state')) === 'saved') return 'saved';
    return (await this.page.textContent('[data-testid=settings-error]')) ?? '';
  }

  async showAudit(): Promise<void> {
    await this.page.click('[data-testid=nav-audit]');
    await this.page.waitForSelector('[data-testid=audit-view][data-status=ready]');
  }

  auditActions(): Promise<string[]> {
    return this.page.$$eval('[data-testid=audit-row]', (rows) => rows.map((row) => (row as HTMLElement).dataset.action ?? ''));
  }
}
