// Types of scripts/build-targets.mjs for the TypeScript tests that build single targets.
export const ROOT: string;
export function buildMain(dist: string): Promise<unknown>;
export function buildWorker(dist: string): Promise<unknown>;
export function buildPreload(dist: string): Promise<string>;
export function buildRenderer(dist: string): Promise<void>;
export function writeLicences(dist: string): Promise<void>;
