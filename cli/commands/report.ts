import fs from 'node:fs';
import path from 'node:path';
import { buildRunReport } from '../../report/html';
import { openDb } from '../env';
import { printJson, say } from '../output';

/** `acvloop report RUN --out FILE.html`: the reviewer's page of a run, one self-contained file. */
export async function reportCommand(runId: string, opts: { out: string; json?: boolean }): Promise<number> {
  const handle = await openDb();
  try {
    const html = await buildRunReport(handle, runId, { generatedAt: new Date().toISOString() });
    const out = path.resolve(opts.out);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, html);
    if (opts.json) printJson({ runId, out, bytes: Buffer.byteLength(html) });
    else say(`wrote the report of ${runId} to ${out} (${Math.round(Buffer.byteLength(html) / 1024)} KiB; opens offline)`);
    return 0;
  } finally {
    await handle.close();
  }
}
