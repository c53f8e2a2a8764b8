import { describe, expect, it } from 'vitest';
import { cosine } from '#lib/ml/vectors';

describe('cosine', () => {
  it('measures the angle whatever the lengths: parallel 1, opposite −1, orthogonal 0, a zero vector 0', () => {
    // Arrange
    const along = Float32Array.from([3, 0, 0]);
    const longer = Float32Array.from([0.5, 0, 0]);
    const diagonal = Float32Array.from([1, 1, 0]);

    // Act
    const scores = [
      cosine(along, longer),
      cosine(along, Float32Array.from([-2, 0, 0])),
      cosine(along, Float32Array.from([0, 4, 0])),
      cosine(along, diagonal),
      cosine(along, new Float32Array(3)),
    ];

    // Assert
    expect(scores).toEqual([1, -1, 0, expect.closeTo(Math.SQRT1_2, 6), 0]);
    expect(() => cosine(along, new Float32Array(2))).toThrow(RangeError);
  });
});
