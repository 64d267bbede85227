import { describe, expect, it } from '@jest/globals';
import { formatMicros, formatRate, formatRatio, percentile, ratio, summarizeNanos } from '../src/stats';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => index + 1);

  it('picks the smallest value with at least p% at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 1)).toBe(1);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([10, 20, 30, 40], 99)).toBe(40);
  });

  it('never invents a value: p99 of a small sample is its maximum', () => {
    expect(percentile([1, 2, 3, 1000], 99)).toBe(1000);
    expect(percentile([7], 50)).toBe(7);
  });

  it('rejects an empty sample and out-of-range p', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarizeNanos', () => {
  it('sorts a copy and reports microseconds', () => {
    const input = [5000, 1000, 3000, 2000, 4000];
    const summary = summarizeNanos(input);
    expect(summary).toEqual({ n: 5, p50: 3, p99: 5 });
    expect(input).toEqual([5000, 1000, 3000, 2000, 4000]);
  });

  it('sorts numerically, not as strings', () => {
    expect(summarizeNanos([900_000, 10_000_000, 2_000_000]).p50).toBe(2000);
  });
});

describe('ratio and its formatting', () => {
  it('divides by the baseline', () => {
    expect(ratio(107, 100)).toBeCloseTo(1.07);
    expect(formatRatio(ratio(107, 100))).toBe('1.07x');
    expect(formatRatio(0.5)).toBe('0.50x');
    expect(formatRatio(12.345)).toBe('12.35x');
  });

  it('is n/a without a usable baseline', () => {
    expect(formatRatio(ratio(1, 0))).toBe('n/a');
    expect(formatRatio(ratio(1, undefined))).toBe('n/a');
    expect(formatRatio(ratio(undefined, 1))).toBe('n/a');
    expect(formatRatio(Number.NaN)).toBe('n/a');
  });
});

describe('absolute figures', () => {
  it('formats latencies with a fitting unit', () => {
    expect(formatMicros(87.44)).toBe('87.4 µs');
    expect(formatMicros(195.2)).toBe('195 µs');
    expect(formatMicros(1234)).toBe('1.23 ms');
    expect(formatMicros(45_600)).toBe('45.6 ms');
    expect(formatMicros(261_000)).toBe('261 ms');
  });

  it('formats rates with separators', () => {
    expect(formatRate(12345.6)).toBe('12,346/s');
    expect(formatRate(Number.NaN)).toBe('n/a');
  });
});
