import type { Account, AccountSampler } from './accounts';
import { addMonths } from './calendar';
import { addChain, drawDiscount, drawTerm } from './contracts';
import type { Book, UsageProcess } from './contracts';
import type { DropFrame } from './frame';
import { PRODUCTS, SEGMENT_LIST, SEGMENT_PARAMS } from './params';
import type { Rng } from './rng';

/** Legacy contracts (signed before the window, still live at its start) per account. */
const LEGACY_PER_ACCOUNT = 0.03;

/** Signs a contract (and plays out its renewals) into the book. */
export type Sign = (account: Account, startDay: number, acvUsd: number, product: string | null, opportunityId: string | null) => void;

/** First-year ACV in USD of a deal with this account: lognormal around its segment's median. */
export function drawAcv(rng: Rng, account: Account): number {
  const p = SEGMENT_PARAMS[SEGMENT_LIST[account.segment]];
  return rng.lognormal(p.acvMedianUsd, p.acvSigma);
}

/**
 * The contract signer: every contract's terms come from one stream
 * (`contractRng`, "contracts"), shared with the installed base, in the order
 * contracts are signed.
 */
export function contractSigner(contractRng: Rng, book: Book, usage: UsageProcess, accounts: Account[]): Sign {
  return (account, startDay, acvUsd, product, opportunityId) => {
    const term = drawTerm(contractRng, account.segment);
    addChain(book, contractRng, usage, accounts, {
      account: account.index,
      opportunityId,
      product,
      startDay,
      endDay: addMonths(startDay, term),
      term,
      acvUsd,
      discount: drawDiscount(contractRng, account.segment),
      discountShown: contractRng.chance(0.92),
      costRatio: contractRng.chance(0.2) ? null : contractRng.uniform(0.1, 0.35),
    });
  };
}

/** The installed base at the window start: legacy contracts signed up to a year before it. */
export function signInstalledBase(frame: DropFrame, contractRng: Rng, accounts: Account[], sampler: AccountSampler, sign: Sign): void {
  const legacy = Math.round(LEGACY_PER_ACCOUNT * frame.accountCount);
  for (let i = 0; i < legacy; i++) {
    const account = accounts[sampler.draw(contractRng, null)];
    const startDay = frame.windowStartDay - contractRng.int(1, 360);
    account.firstDay = Math.min(account.firstDay, startDay);
    const product = contractRng.chance(0.05) ? null : contractRng.pick(PRODUCTS);
    sign(account, startDay, drawAcv(contractRng, account), product, null);
  }
}
