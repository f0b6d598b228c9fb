/** The shapes and values of make-big-file.ts's datasets (imported by Node and by Chromium). */
export const CUBE = [10, 1000, 1000];
export const SERIES = [1000, 10000];

/** Exact in float32 (integers below 2^24). */
export const cubeValue = (z: number, y: number, x: number): number => (z * 7 + y * 13 + x * 3) % 1000;
export const seriesValue = (row: number, col: number): number => (row * 10007 + col) % 65536;
