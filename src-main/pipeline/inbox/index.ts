export { isIgnoredName, listFiles } from './list-files.js';
export { quarantineFile, UNREADABLE_CODES } from './quarantine.js';
export { watchInbox, type InboxWatcher } from './watch-inbox.js';
