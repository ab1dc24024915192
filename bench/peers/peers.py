"""The Python half of bench/peers.ts: fits one task with its Python peer,
in-process, and prints JSON on stdout.

    python peers.py cox --csv FILE --duration week --event arrest --covariates fin,age,... --runs 3
    python peers.py markov --paths FILE --sep ';' --order 1 --runs 3 [--reference-sims 1e7]

Only the fit call is timed (after the imports and after reading the file):
the peer's best case. `cox` fits lifelines' CoxPHFitter (Efron ties, its only
method, as acvloop's); `markov` calls ChannelAttribution's markov_model, which
simulates paths, so each run takes its own seed (0, 1, ...) and the spread
over the runs is its own run-to-run noise; --reference-sims N adds one
untimed run with nsim_start N, close to the limit the simulation estimates.
CPU time (time.process_time: the whole process, all threads) is recorded
beside wall time.
"""

import argparse
import json
import os
import statistics
import sys
import time


def cox(args):
    import lifelines
    import pandas as pd
    from lifelines import CoxPHFitter

    covariates = [c for c in args.covariates.split(",") if c]
    df = pd.read_csv(args.csv)[[args.duration, args.event, *covariates]]
    seconds, cpu = [], []
    fit = None
    for _ in range(args.runs):
        cph = CoxPHFitter()
        t0, c0 = time.perf_counter(), time.process_time()
        cph.fit(df, duration_col=args.duration, event_col=args.event)
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        fit = cph
    return {
        "peer": f"lifelines {lifelines.__version__} CoxPHFitter (Efron ties)",
        "rows": int(len(df)),
        "seconds": seconds,
        "cpuSeconds": cpu,
        "coefficients": {k: float(v) for k, v in fit.params_.items()},
        "standardErrors": {k: float(v) for k, v in fit.standard_errors_.items()},
        "logLikelihood": float(fit.log_likelihood_),
    }


def markov(args):
    import importlib.metadata

    import pandas as pd
    import ChannelAttribution as ca

    data = pd.read_csv(args.paths, sep=args.sep)

    def fit(seed, **more):
        # verbose=False, flg_pro=False: no convergence log, no "Pro" banner.
        res = ca.markov_model(
            data, "path", "total_conversions", var_value="total_conversion_value", var_null="total_null",
            order=args.order, seed=seed, verbose=False, flg_pro=False, **more,
        )
        table = res if isinstance(res, pd.DataFrame) else res[0]
        return {
            str(r.channel_name).strip(): {"conversions": float(r.total_conversions), "value": float(r.total_conversion_value)}
            for r in table.itertuples()
        }

    seconds, cpu, runs = [], [], []
    for seed in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        runs.append(fit(seed))
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    out = {
        "peer": f"ChannelAttribution {importlib.metadata.version('ChannelAttribution')} markov_model (order {args.order}, its defaults: nsim_start 1e5, seeds 0..{args.runs - 1})",
        "rows": int(len(data)),
        "seconds": seconds,
        "cpuSeconds": cpu,
        "runs": runs,
    }
    if args.reference_sims > 0:
        # Untimed: the same model with many more simulated paths, near the limit its simulation estimates.
        t0 = time.perf_counter()
        out["reference"] = {"nsimStart": args.reference_sims, "seed": 0, "channels": fit(0, nsim_start=args.reference_sims)}
        out["reference"]["seconds"] = time.perf_counter() - t0
    return out


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="task", required=True)
    c = sub.add_parser("cox")
    c.add_argument("--csv", required=True)
    c.add_argument("--duration", required=True)
    c.add_argument("--event", required=True)
    c.add_argument("--covariates", required=True)
    c.add_argument("--runs", type=int, default=3)
    m = sub.add_parser("markov")
    m.add_argument("--paths", required=True)
    m.add_argument("--sep", default=";")
    m.add_argument("--order", type=int, default=1)
    m.add_argument("--runs", type=int, default=3)
    m.add_argument("--reference-sims", type=float, default=0)
    args = p.parse_args()
    # The peers print on stdout (ChannelAttribution's "Pro" banner on import, from
    # Python and C++ alike): send fd 1 to stderr, and the JSON to the real stdout.
    sys.stdout.flush()
    json_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    out = cox(args) if args.task == "cox" else markov(args)
    out["medianSeconds"] = statistics.median(out["seconds"])
    out["python"] = sys.version.split()[0]
    sys.stdout.flush()
    json.dump(out, json_out)
    json_out.write("\n")
    json_out.flush()


if __name__ == "__main__":
    main()
