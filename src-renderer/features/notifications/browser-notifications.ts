import type { CriticalNotice } from '../../../src-main/contract/critical-notice.js';

/** Browser mode: whether this page may notify (null where the browser has no Notification API). */
export function browserNotificationPermission(): NotificationPermission | null {
  return typeof Notification === 'undefined' ? null : Notification.permission;
}

/** Web Notifications need the user's permission, asked from a click (browsers refuse an unprompted request). */
export async function askNotificationPermission(): Promise<NotificationPermission | null> {
  return typeof Notification === 'undefined' ? null : Notification.requestPermission();
}

/** Shows the notice; a click brings this window forward and opens the study. */
export function showBrowserNotice(notice: CriticalNotice, onopen: (studyId: number) => void): void {
  const notification = new Notification(notice.title, { body: notice.body, tag: `ichtriage-study-${notice.studyId}` });
  notification.onclick = () => {
    window.focus();
    onopen(notice.studyId);
    notification.close();
  };
}
