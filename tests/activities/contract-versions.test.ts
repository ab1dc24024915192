/**
 * A data contract changed in code without its version raised is flagged
 * before any drop is judged by it: the validate stage refuses to run, with
 * the file, column and rule, and lands nothing.
 */
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS } from '../../contracts';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { callStage, count, registerRun, type TestDb, type TestDrop } from './support';

let db: TestDb;
let drop: TestDrop;

beforeAll(async () => {
  db = await suiteDb('act_contract_version');
  drop = await smallDrop({ seed: 5, accounts: 200, months: 24 });
});

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

describe('a contract changed without a new version', () => {
  it('stops the validate stage with a non-retryable error naming file, column and rule, and applies nothing', async () => {
    const column = CONTRACTS.accounts.columns.find((c) => c.name === 'segment')! as { values?: readonly string[] };
    const original = column.values;
    // A breaking change (an enum value removed) with the version left at its published 1.0.0.
    column.values = original!.filter((v) => v !== 'smb');
    try {
      await registerRun(db, 'r-unversioned', drop);
      await callStage(db, 'ingest', 'r-unversioned');
      const err = await callStage(db, 'validate', 'r-unversioned').then(() => null, (e) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err.type).toBe('ContractsUnversioned');
      expect(err.nonRetryable).toBe(true);
      expect(err.message).toMatch(/accounts\.csv column segment rule accounts\.segment\.enum: segment no longer allows smb/);
      expect(await count(db, 'validation_reports')).toBe(0);
      expect(await count(db, 'src_accounts')).toBe(0);
    } finally {
      column.values = original;
    }
    // With the contract as published, the same stage runs.
    await registerRun(db, 'r-versioned', drop);
    await callStage(db, 'ingest', 'r-versioned');
    await callStage(db, 'validate', 'r-versioned');
    expect(await count(db, 'validation_reports')).toBe(1);
  });
});
