import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { WEB_ROOT, writeConsole } from '#infra/console-build';

/** `npm run web:build`: the console's static files into web/dist (to host them elsewhere; `npm start` and CDK build their own). */
const outDir = join(WEB_ROOT, 'dist');
for (const file of writeConsole(outDir)) console.log(`${join(outDir, file.path)}  ${file.body.length} B (${gzipSync(file.body).length} B gzipped)`);
