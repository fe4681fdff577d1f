import { windowRates } from '../../bench/pipeline';

describe('pipeline bench: rates per window of posted documents', () => {
  it('rates each full window, the first from the first file taken, the others from the end of the one before', () => {
    const posted = [1100, 1500, 1600, 1700, 1800, 2800];
    expect(windowRates(1000, posted, 2)).toEqual([4, 10, 2000 / 1100]);
  });

  it('leaves out a last window that is not full, and gives none for fewer documents than a window', () => {
    expect(windowRates(0, [10, 20, 30], 2)).toEqual([100]);
    expect(windowRates(0, [10], 2)).toEqual([]);
  });

  it('does not divide by zero when a window was posted within one millisecond', () => {
    expect(windowRates(5, [5, 5], 2)).toEqual([2000]);
  });
});
