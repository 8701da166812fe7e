export { assembleSeries, type AssemblyInput } from './assemble-series.js';
export { checkAxialSlice, type SliceIneligibility } from './eligibility.js';
export { dot, sliceNormal } from './geometry.js';
