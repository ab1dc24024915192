import { openDb } from '../env';
import { readScores, scoresCsv } from '../../queries/scores';
import { printJson } from '../output';

export async function scoresCommand(runId: string, opts: { csv?: boolean; json?: boolean }): Promise<number> {
  const handle = await openDb();
  try {
    const rows = await readScores(handle, runId);
    if (opts.json) {
      printJson(rows);
      return 0;
    }
    process.stdout.write(scoresCsv(rows));
    return 0;
  } finally {
    await handle.close();
  }
}
