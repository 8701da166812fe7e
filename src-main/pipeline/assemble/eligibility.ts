import type { Rejection, RejectionCode } from '../../contract/warnings.js';
import type { InstanceHeader } from '../../domain/instance.js';
import { angleDegrees, sliceNormal } from './geometry.js';

/**
 * Axial within this angle of the patient's head-foot axis. Gantry tilt on head CT reaches ~30°;
 * coronal and sagittal reformats sit near 90°.
 */
const MAX_AXIAL_DEGREES = 40;

export type SliceIneligibility = Omit<Rejection, 'path'> & { code: RejectionCode };

/** Whether one slice can be triaged as an axial head-CT slice; null when it can. */
export function checkAxialSlice(header: InstanceHeader): SliceIneligibility | null {
  if (header.ImageType.includes('LOCALIZER')) {
    return { code: 'LOCALIZER', reason: 'localizer (scout) image, not an axial slice' };
  }
  if (header.ImageOrientationPatient) {
    const angle = angleDegrees(sliceNormal(header.ImageOrientationPatient), [0, 0, 1]);
    if (angle > MAX_AXIAL_DEGREES) {
      return { code: 'NON_AXIAL', reason: `slice plane is ${angle.toFixed(0)}° from axial (coronal/sagittal reformat)` };
    }
  }
  return null;
}
