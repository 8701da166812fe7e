import type { InstanceHeader } from '../../domain/instance.js';

export type Vec3 = [number, number, number];

export function sliceNormal(orientation: NonNullable<InstanceHeader['ImageOrientationPatient']>): Vec3 {
  const [rx, ry, rz, cx, cy, cz] = orientation;
  return normalise([ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx]);
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function normalise(v: Vec3): Vec3 {
  const length = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / length, v[1] / length, v[2] / length];
}

export function angleDegrees(a: Vec3, b: Vec3): number {
  const cos = Math.min(1, Math.abs(dot(normalise(a), normalise(b))));
  return (Math.acos(cos) * 180) / Math.PI;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
