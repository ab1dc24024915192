/**
 * Failed sign-ins per client address in a sliding window: after `max`
 * failures, the address waits until its oldest failure is `windowMs` old.
 * In memory, per serve process: a restart forgets, which costs an attacker
 * a restart they cannot cause.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly max: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  /** Seconds this address must wait before its next attempt; 0 when it may try now. */
  waitSeconds(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.max) return 0;
    return Math.max(1, Math.ceil((recent[recent.length - this.max] + this.windowMs - this.now()) / 1000));
  }

  /** Records a failure; returns the address's failures within the window, this one included. */
  failed(address: string): number {
    if (this.failures.size > 10_000) this.forgetStale();
    const recent = [...this.recent(address), this.now()];
    this.failures.set(address, recent);
    return recent.length;
  }

  /** A success wipes the address's slate: a reviewer who mistyped once is not held to it. */
  succeeded(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }

  /** Many addresses (a scan) must not grow the map without end. */
  private forgetStale(): void {
    for (const address of [...this.failures.keys()]) if (!this.recent(address).length) this.failures.delete(address);
  }
}
