import sharp from 'sharp';
import { EngineUnavailableError, type Embedder } from '#lib/ml/types';

/**
 * `frame-descriptor`: the built-in embedder that needs no weights. It describes a picture by what
 * survives re-encoding, resizing and a moderate crop — its colours, their coarse layout, the
 * direction of its edges and a perceptual hash — so that an example image (a screenshot, a
 * thumbnail, a cut-out) finds the moment of the video it came from. It knows nothing of words.
 *
 * Each block is scaled to at most unit length and weighted, then the whole vector is L2-normalised,
 * so the cosine of two descriptors is a weighted mean of the blocks' own similarities.
 */

/** Every picture is first brought to this square raster; its aspect ratio is not kept (a crop keeps it anyway). */
const RASTER = 64;
const COLOUR_LEVELS = 4;
const COLOUR_BINS = COLOUR_LEVELS ** 3;
const LAYOUT_GRID = 4;
const LAYOUT_DIMS = LAYOUT_GRID * LAYOUT_GRID * 3;
const EDGE_GRID = 3;
const EDGE_ORIENTATIONS = 8;
/** Per region, then once more for the whole picture (which a crop changes least). */
const EDGE_DIMS = (EDGE_GRID * EDGE_GRID + 1) * EDGE_ORIENTATIONS;
const HASH_SIZE = 32;
const HASH_BITS = 64;

export const FRAME_DESCRIPTOR_DIMENSION = COLOUR_BINS + LAYOUT_DIMS + EDGE_DIMS + HASH_BITS;

/** Block weights, chosen on the test's set of ffmpeg stills for the widest worst-case margin (crops are the hard case). */
const WEIGHTS = { colour: 1, layout: 1.5, edges: 1, hash: 1.5 } as const;
/** Edge block length (√ of the mean gradient, luma 0..1) from which edges count fully; a flat picture's compression noise stays below. */
const EDGE_FULL_LENGTH = 0.02;
/** Low-frequency DCT energy (luma 0..1 scale) from which the hash counts fully; a flat picture's hash bits are noise. */
const HASH_FULL_ENERGY = 0.5;
/** Within this fraction of the coefficients' RMS from the median, a hash bit is a tie and counts 0. */
const HASH_TIE_BAND = 0.05;

interface Raster {
  /** RGB, 0..1, row-major, RASTER × RASTER. */
  red: Float32Array;
  green: Float32Array;
  blue: Float32Array;
  luma: Float32Array;
}

async function decode(image: Buffer): Promise<Raster> {
  const { data, info } = await sharp(image, { failOn: 'none' })
    .rotate()
    .flatten({ background: '#000000' })
    .toColourspace('srgb')
    .resize(RASTER, RASTER, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = RASTER * RASTER;
  const raster: Raster = { red: new Float32Array(pixels), green: new Float32Array(pixels), blue: new Float32Array(pixels), luma: new Float32Array(pixels) };
  const channels = info.channels;
  for (let index = 0; index < pixels; index++) {
    const offset = index * channels;
    const red = (data[offset] ?? 0) / 255;
    const green = (data[offset + (channels >= 3 ? 1 : 0)] ?? 0) / 255;
    const blue = (data[offset + (channels >= 3 ? 2 : 0)] ?? 0) / 255;
    raster.red[index] = red;
    raster.green[index] = green;
    raster.blue[index] = blue;
    raster.luma[index] = 0.299 * red + 0.587 * green + 0.114 * blue;
  }
  return raster;
}

/**
 * Where a value in [0, 1] falls among `levels` bin centres: the lower bin, and the share (0..1)
 * that goes to the next one up. Linear sharing means no bin edge flips a histogram.
 */
function binPosition(value: number, levels: number): number {
  return Math.min(Math.max(value * levels - 0.5, 0), levels - 1);
}

/** Joint RGB histogram, soft-assigned; square roots (Hellinger) so that large flat areas do not drown the rest. Unit length. */
function colourHistogram(raster: Raster): Float32Array {
  const histogram = new Float32Array(COLOUR_BINS);
  const pixels = raster.red.length;
  const top = COLOUR_LEVELS - 1;
  for (let index = 0; index < pixels; index++) {
    const red = binPosition(raster.red[index] ?? 0, COLOUR_LEVELS);
    const green = binPosition(raster.green[index] ?? 0, COLOUR_LEVELS);
    const blue = binPosition(raster.blue[index] ?? 0, COLOUR_LEVELS);
    const [r0, g0, b0] = [Math.floor(red), Math.floor(green), Math.floor(blue)];
    const [rf, gf, bf] = [red - r0, green - g0, blue - b0];
    // The eight corners of the cell the colour falls in, each weighted trilinearly.
    for (let corner = 0; corner < 8; corner++) {
      const [upR, upG, upB] = [corner & 4, corner & 2, corner & 1];
      const weight = (upR ? rf : 1 - rf) * (upG ? gf : 1 - gf) * (upB ? bf : 1 - bf);
      if (weight === 0) continue;
      const bin = (Math.min(r0 + (upR ? 1 : 0), top) * COLOUR_LEVELS + Math.min(g0 + (upG ? 1 : 0), top)) * COLOUR_LEVELS + Math.min(b0 + (upB ? 1 : 0), top);
      histogram[bin] = (histogram[bin] ?? 0) + weight;
    }
  }
  for (let bin = 0; bin < COLOUR_BINS; bin++) histogram[bin] = Math.sqrt((histogram[bin] ?? 0) / pixels);
  return histogram;
}

/**
 * Mean colour of each cell of a coarse grid, as signed luma and chroma (YCbCr around mid-grey), so
 * dark and light layouts point in opposite directions. Not normalised: its length says how far from grey.
 */
function layout(raster: Raster): Float32Array {
  const sums = new Float32Array(LAYOUT_DIMS);
  const counts = new Float32Array(LAYOUT_GRID * LAYOUT_GRID);
  const cellSize = RASTER / LAYOUT_GRID;
  for (let y = 0; y < RASTER; y++) {
    for (let x = 0; x < RASTER; x++) {
      const index = y * RASTER + x;
      const cell = Math.floor(y / cellSize) * LAYOUT_GRID + Math.floor(x / cellSize);
      const red = raster.red[index] ?? 0;
      const green = raster.green[index] ?? 0;
      const blue = raster.blue[index] ?? 0;
      sums[cell * 3] = (sums[cell * 3] ?? 0) + (raster.luma[index] ?? 0) - 0.5;
      sums[cell * 3 + 1] = (sums[cell * 3 + 1] ?? 0) + (-0.1687 * red - 0.3313 * green + 0.5 * blue);
      sums[cell * 3 + 2] = (sums[cell * 3 + 2] ?? 0) + (0.5 * red - 0.4187 * green - 0.0813 * blue);
      counts[cell] = (counts[cell] ?? 0) + 1;
    }
  }
  // A cell's value lies in about [-0.5, 0.5]: scaled so a layout of extremes has unit length.
  const scale = 1 / (0.5 * Math.sqrt(LAYOUT_DIMS));
  for (let dim = 0; dim < LAYOUT_DIMS; dim++) sums[dim] = ((sums[dim] ?? 0) / (counts[Math.floor(dim / 3)] || 1)) * scale;
  return sums;
}

/**
 * Histograms of gradient orientation (unsigned, soft-binned) over a coarse grid of regions, each
 * pixel shared between its nearest regions as in SIFT, so that a crop shifting the grid changes little.
 * Its length grows with the picture's edge strength, up to 1.
 */
function edgeHistogram(raster: Raster): Float32Array {
  const histogram = new Float32Array(EDGE_DIMS);
  const luma = raster.luma;
  const at = (x: number, y: number) => luma[Math.min(Math.max(y, 0), RASTER - 1) * RASTER + Math.min(Math.max(x, 0), RASTER - 1)] ?? 0;
  const top = EDGE_GRID - 1;
  for (let y = 0; y < RASTER; y++) {
    const row = binPosition((y + 0.5) / RASTER, EDGE_GRID);
    const y0 = Math.floor(row);
    const yf = row - y0;
    for (let x = 0; x < RASTER; x++) {
      // Sobel
      const gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
      const gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
      const magnitude = Math.hypot(gx, gy) / 8;
      if (magnitude < 1e-4) continue;
      let angle = Math.atan2(gy, gx);
      if (angle < 0) angle += Math.PI;
      const orientation = (angle / Math.PI) * EDGE_ORIENTATIONS - 0.5;
      const o0 = Math.floor(orientation);
      const of = orientation - o0;
      const column = binPosition((x + 0.5) / RASTER, EDGE_GRID);
      const x0 = Math.floor(column);
      const xf = column - x0;
      // Two regions down × two across × two orientations (which wrap around: 0° is 180°).
      for (let corner = 0; corner < 8; corner++) {
        const [down, across, turned] = [corner & 4, corner & 2, corner & 1];
        const weight = magnitude * (down ? yf : 1 - yf) * (across ? xf : 1 - xf) * (turned ? of : 1 - of);
        if (weight === 0) continue;
        const region = Math.min(y0 + (down ? 1 : 0), top) * EDGE_GRID + Math.min(x0 + (across ? 1 : 0), top);
        const bin = region * EDGE_ORIENTATIONS + ((o0 + (turned ? 1 : 0) + EDGE_ORIENTATIONS) % EDGE_ORIENTATIONS);
        histogram[bin] = (histogram[bin] ?? 0) + weight;
      }
    }
  }
  const whole = EDGE_GRID * EDGE_GRID * EDGE_ORIENTATIONS;
  for (let bin = 0; bin < whole; bin++)
    histogram[whole + (bin % EDGE_ORIENTATIONS)] = (histogram[whole + (bin % EDGE_ORIENTATIONS)] ?? 0) + (histogram[bin] ?? 0) / (EDGE_GRID * EDGE_GRID);
  const pixels = RASTER * RASTER;
  for (let bin = 0; bin < EDGE_DIMS; bin++) histogram[bin] = Math.sqrt((histogram[bin] ?? 0) / pixels);
  return scaleToConfidence(histogram, EDGE_FULL_LENGTH);
}

/** Gives a block unit direction and a length of min(1, its own length / full): weak evidence counts little. */
function scaleToConfidence(block: Float32Array, full: number): Float32Array {
  const length = Math.hypot(...block);
  if (length === 0) return block;
  const factor = Math.min(1, length / full) / length;
  return block.map((value) => value * factor);
}

const DCT_TABLE = (() => {
  const table = new Float32Array(HASH_SIZE * HASH_SIZE);
  for (let u = 0; u < HASH_SIZE; u++) {
    for (let x = 0; x < HASH_SIZE; x++) table[u * HASH_SIZE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * HASH_SIZE));
  }
  return table;
})();

/** The lowest non-DC frequencies, diagonal by diagonal (zigzag), as [u, v] pairs. */
const HASH_FREQUENCIES: ReadonlyArray<readonly [number, number]> = (() => {
  const frequencies: [number, number][] = [];
  for (let diagonal = 1; frequencies.length < HASH_BITS; diagonal++) {
    for (let u = 0; u <= diagonal && frequencies.length < HASH_BITS; u++) frequencies.push([u, diagonal - u]);
  }
  return frequencies;
})();
const HIGHEST_FREQUENCY = Math.max(...HASH_FREQUENCIES.flat());

/**
 * pHash: the low frequencies of a 32×32 grey image's DCT, each compared with their median, as ±1.
 * Scaled by how much low-frequency structure there is, since a flat picture's bits are noise.
 */
function perceptualHash(raster: Raster): Float32Array {
  const grey = new Float32Array(HASH_SIZE * HASH_SIZE);
  const step = RASTER / HASH_SIZE;
  for (let y = 0; y < RASTER; y++) {
    for (let x = 0; x < RASTER; x++) {
      const cell = Math.floor(y / step) * HASH_SIZE + Math.floor(x / step);
      grey[cell] = (grey[cell] ?? 0) + (raster.luma[y * RASTER + x] ?? 0) / (step * step);
    }
  }
  // Separable DCT-II, only as far as the frequencies kept: rows first, then columns.
  const rows = HIGHEST_FREQUENCY + 1;
  const rowPass = new Float32Array(HASH_SIZE * rows);
  for (let y = 0; y < HASH_SIZE; y++) {
    for (let v = 0; v < rows; v++) {
      let sum = 0;
      for (let x = 0; x < HASH_SIZE; x++) sum += (grey[y * HASH_SIZE + x] ?? 0) * (DCT_TABLE[v * HASH_SIZE + x] ?? 0);
      rowPass[y * rows + v] = sum;
    }
  }
  const coefficients = HASH_FREQUENCIES.map(([u, v]) => {
    let sum = 0;
    for (let y = 0; y < HASH_SIZE; y++) sum += (rowPass[y * rows + v] ?? 0) * (DCT_TABLE[u * HASH_SIZE + y] ?? 0);
    return sum / HASH_SIZE;
  });
  const median = [...coefficients].sort((a, b) => a - b)[HASH_BITS / 2] ?? 0;
  const energy = Math.hypot(...coefficients);
  const confidence = Math.min(1, energy / HASH_FULL_ENERGY);
  const scale = confidence / Math.sqrt(HASH_BITS);
  // A coefficient at the median (e.g. the many zeros of a picture of vertical bars) has no stable
  // side: it gives 0 instead of a bit that compression noise would flip.
  const tie = HASH_TIE_BAND * (energy / Math.sqrt(HASH_BITS));
  return Float32Array.from(coefficients, (value) => (Math.abs(value - median) <= tie ? 0 : value > median ? scale : -scale));
}

function l2Normalise(vector: Float32Array): Float32Array {
  const length = Math.hypot(...vector);
  return length === 0 ? vector : vector.map((value) => value / length);
}

/** The descriptor of one encoded image: weighted blocks, L2-normalised. */
export async function describeFrame(image: Buffer): Promise<Float32Array> {
  const raster = await decode(image);
  const vector = new Float32Array(FRAME_DESCRIPTOR_DIMENSION);
  let offset = 0;
  for (const [block, weight] of [
    [colourHistogram(raster), WEIGHTS.colour],
    [layout(raster), WEIGHTS.layout],
    [edgeHistogram(raster), WEIGHTS.edges],
    [perceptualHash(raster), WEIGHTS.hash],
  ] as const) {
    vector.set(
      block.map((value) => value * weight),
      offset,
    );
    offset += block.length;
  }
  return l2Normalise(vector);
}

export class FrameDescriptorEmbedder implements Embedder {
  readonly id = 'frame-descriptor@1';
  readonly dimension = FRAME_DESCRIPTOR_DIMENSION;
  readonly understandsText = false;

  async embedImages(images: readonly Buffer[]): Promise<Float32Array[]> {
    return Promise.all(images.map((image) => describeFrame(image)));
  }

  async embedText(_texts: readonly string[]): Promise<Float32Array[]> {
    throw new EngineUnavailableError(this.id, 'frame-descriptor compares pictures only; it cannot embed text (use clip-onnx or bedrock for text queries)');
  }
}
