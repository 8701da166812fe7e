import type { IchClass } from '../../src-main/contract/classes.js';

export { CLASS_LABELS } from '../../src-main/contract/classes.js';

export const SHORT_LABELS: Record<IchClass, string> = {
  any: 'ICH',
  epidural: 'EDH',
  intraparenchymal: 'IPH',
  intraventricular: 'IVH',
  subarachnoid: 'SAH',
  subdural: 'SDH',
};

/** One colour per class, the same in every chart. */
export const CLASS_COLOURS: Record<IchClass, string> = {
  any: '#ff4d5e',
  epidural: '#f0b43c',
  intraparenchymal: '#4ea1ff',
  intraventricular: '#3fbf7f',
  subarachnoid: '#c77dff',
  subdural: '#ff8c42',
};
