import type { TriageApi } from '../../contract/api.js';
import { CriticalNotifier } from '../../contract/critical-notice.js';
import type { Settings } from '../../contract/dto.js';
import type { ElectronLike } from './electron-like.js';

/**
 * Native critical-finding notifications from the main process: a live result that flags a study for
 * a critical class notifies once for as long as the app runs (the notified study ids are kept in
 * memory; studies already in the database at start are not live results and do not notify).
 * Clicking the notification opens the study.
 */
export function notifyCriticalFindings(
  electron: Pick<ElectronLike, 'Notification'>,
  api: Pick<TriageApi, 'subscribe'>,
  settings: () => Settings,
  openStudy: (studyId: number) => void,
): () => void {
  if (!electron.Notification.isSupported()) return () => {};
  const notifier = new CriticalNotifier();
  return api.subscribe((event) => {
    if (event.type !== 'study-updated') return;
    const notice = notifier.noticeFor(event.study, settings().notifications);
    if (!notice) return;
    const notification = new electron.Notification({ title: notice.title, body: notice.body });
    notification.on('click', () => openStudy(notice.studyId));
    notification.show();
  });
}
