import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.FRAMESEEK_SINGLE_PUT_MAX_BYTES = String(50 * 1024 * 1024);
});

import { segmentsOf, signUp, uploadAndIndex, useTestApi, videosOf } from '#test/support/api';
import { makeTalkingVideo, type TalkingScene } from '#test/support/talking-media';

const api = useTestApi();

/** Letters and digits with single spaces: a two-line caption is read with a line break where it was drawn. */
function plain(text: unknown): string {
  return String(text)
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
}

describe('captions on still scenes, in looks other than white on a box', () => {
  /**
   * 1280x720 single-colour scenes with no scene change while their captions come, change and go, each appearing
   * between two sampled frames (every 2 s): a two-line cyan caption on maroon replaced mid-scene by another, and a
   * small (28 px) white lower-third without a box on black, with a code among its words.
   */
  const scenes: TalkingScene[] = [
    {
      text: 'the orchard gate stays closed until spring',
      caption: 'AMBER 17 LOCKSMITH',
      source: 'color=c=maroon',
      captionSecs: [3.5, 6.6],
      captionStyle: { colour: 'cyan', heightShare: 1 / 12, lines: 2 },
      nextCaption: { caption: 'CLOSED ON SUNDAY', captionSecs: [7.5, 11.4] },
    },
    {
      text: 'a tired sailor counted every wave',
      caption: 'PLATFORM B12 DEPARTURES',
      source: 'color=c=black',
      captionSecs: [2.5, 10.8],
      captionStyle: { colour: 'white', heightShare: 1 / 25, place: 'lower-third' },
    },
  ];

  it('finds each caption by search, starting within 1 s of its first frame, when it changes on an unchanged picture', async () => {
    // Arrange
    const manifest = await makeTalkingVideo('still-caption-looks', { scenes, container: 'mp4', width: 1280, height: 720, minSceneSecs: 12 });
    const { token } = await signUp(api);
    const collection = await api.post('/v1/collections', { token, body: { name: 'caption looks' } });
    const { videoId, job } = await uploadAndIndex(api, token, String(collection.body.data.id), manifest.path, 180_000);

    // Act
    const answers = await Promise.all(
      manifest.captions.map((caption) => api.post('/v1/search', { token, body: { query: caption.text.toLowerCase(), modes: ['ocr'], video_id: videoId } })),
    );

    // Assert
    expect(job).toMatchObject({ status: 'done' });
    expect(manifest.captions.map((caption) => caption.text)).toEqual(['AMBER 17 LOCKSMITH', 'CLOSED ON SUNDAY', 'PLATFORM B12 DEPARTURES']);
    manifest.captions.forEach((caption, index) => {
      const answer = answers[index];
      if (!answer) throw new Error('no answer');
      const [top] = segmentsOf(videosOf(answer)[0]);
      expect(top, `caption "${caption.text}" not found`).toMatchObject({ type: 'ocr' });
      expect(plain(top?.text_content)).toContain(caption.text);
      expect(
        Math.abs(Number(top?.timestamp_start) - caption.start),
        `"${caption.text}" at ${String(top?.timestamp_start)} s, shown from ${caption.start} s`,
      ).toBeLessThanOrEqual(1);
    });
  }, 300_000);
});
