import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PocketSphinxTranscriber, type SpeechPreset } from '#lib/ml/speech/pocketsphinx';
import { joinPcm, spokenPcm } from '#test/support/engine-media';
import { wordErrorRate } from '#test/support/wer';

/**
 * `npx tsx bench/engines/speech-presets.ts [--runs 2]`: PocketSphinx's `accurate` and `fast` presets
 * on about a minute of Festival speech (eight sentences, half a second apart): word error rate,
 * seconds per run (wall, and the decoder's own CPU time, which other load on the machine does not
 * inflate) and real-time factor. Prints figures; asserts nothing.
 */
const { values: options } = parseArgs({ options: { runs: { type: 'string', default: '2' } } });
const runs = Number(options.runs);

const SENTENCES = [
  'The harbor master opened the gates at dawn, and the fishing boats moved slowly out into the grey water of the bay.',
  'Our quarterly revenue grew by twelve percent, mostly because customers in the northern region renewed their contracts early.',
  'Before you install the new kitchen faucet, turn off the water supply under the sink and place a towel beneath the pipes.',
  'The museum will close at six this evening, so please make your way to the main entrance after you finish the tour.',
  'Scientists measured the temperature of the river every morning for three years and found that it was slowly rising.',
  'If the weather stays clear tomorrow, the team will climb the northern ridge and return to the camp before sunset.',
  'The library has moved its collection of old maps to the second floor, next to the reading room and the small cafe.',
  'Please remember to bring your passport, your boarding pass and a warm jacket, because the flight leaves very early.',
];

const audio = joinPcm(await Promise.all(SENTENCES.map(spokenPcm)), 0.5);
const audioSecs = audio.length / 32_000;
const reference = SENTENCES.join(' ');
console.log(`audio: ${SENTENCES.length} sentences, ${audioSecs.toFixed(1)} s, Festival HTS voice (cmu_us_slt_arctic_hts), 16 kHz mono`);

for (const preset of ['accurate', 'fast'] satisfies SpeechPreset[]) {
  const transcriber = new PocketSphinxTranscriber({ preset });
  for (let run = 1; run <= runs; run += 1) {
    const started = performance.now();
    const cpuBefore = childCpuSecs();
    const words = await transcriber.transcribe(audio);
    const secs = (performance.now() - started) / 1000;
    const cpuSecs = childCpuSecs() - cpuBefore;
    const hypothesis = words.map((word) => word.word).join(' ');
    const wer = wordErrorRate(reference, hypothesis);
    console.log(
      `${transcriber.id} run ${run}: WER ${(wer * 100).toFixed(1)}% (${words.length} words), ${secs.toFixed(2)} s wall, ` +
        `${cpuSecs.toFixed(2)} s CPU, real-time factor ${(secs / audioSecs).toFixed(3)} wall / ${(cpuSecs / audioSecs).toFixed(3)} CPU`,
    );
    if (run === runs) console.log(`  heard: ${hypothesis}`);
  }
}

/** CPU seconds of this process's finished children (Linux /proc: cutime + cstime, in clock ticks of 1/100 s). */
function childCpuSecs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) " the fields start at state (field 3): cutime and cstime are fields 16 and 17.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
