/** The detector's six outputs, in the order every model, CSV and array in the project uses. */
export const ICH_CLASSES = [
  'any',
  'epidural',
  'intraparenchymal',
  'intraventricular',
  'subarachnoid',
  'subdural',
] as const;

export type IchClass = (typeof ICH_CLASSES)[number];

/** How the UI and notifications name each class. */
export const CLASS_LABELS: Record<IchClass, string> = {
  any: 'Any haemorrhage',
  epidural: 'Epidural',
  intraparenchymal: 'Intraparenchymal',
  intraventricular: 'Intraventricular',
  subarachnoid: 'Subarachnoid',
  subdural: 'Subdural',
};

/** One probability (0..1) per class. */
export type ClassScores = Record<IchClass, number>;

export function isIchClass(value: string): value is IchClass {
  return (ICH_CLASSES as readonly string[]).includes(value);
}

/** Builds a ClassScores from an array in ICH_CLASSES order. */
export function scoresFromArray(values: ArrayLike<number>, offset = 0): ClassScores {
  const scores = {} as ClassScores;
  ICH_CLASSES.forEach((name, i) => {
    scores[name] = values[offset + i]!;
  });
  return scores;
}
