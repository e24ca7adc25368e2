"""Time to quality: iterations and wall-clock each solver × start needs to reach the quality of the reference.

The reference is plain zero-init LCA after `--iters` (1000) iterations at its best τ by mean PSNR among `--ref-taus`
(default 100 — the paper's —, 110, 120 and ⌈‖Φ‖²/2⌉, the stability limit) and the default τ, so that nothing is measured
against an impaired baseline. A candidate
reaches the reference's quality at the first traced iteration where its mean PSNR is at least the reference's *and*
its mean L0 is no higher. Wall-clock includes the start (a warm starter's forward pass) and uses each solver's own
untraced cost per iteration, timed interleaved so that machine load hits every solver alike.

Data sets: the CIFAR-10 test images at λ 0.15 and 0.5, Tiny ImageNet validation images at 64×64 (λ 0.15) and the
embedded photographs at full size (λ 0.15). Every run is traced at log-spaced iterations; the summary of each piece
(250 images, or one photograph: mean curves, per-image final and best PSNR, a few KB) goes into benchmarks/checkpoints/,
which is committed, so a data set too long for one session resumes in the next on any machine (full runs are also
cached locally under --cache). `--exact` re-runs each start up to the traced iteration where it first reaches the
reference, tracing every iteration since the grid's point before, so that the crossing is exact rather than the grid's.

    python benchmarks/time_to_quality.py [--sets cifar-0.15,cifar-0.5,tiny,photos] [--n 1000] [--tiny-n 1000]
        [--iters 1000] [--shipped v0,v2,...] [--starter NAME=PATH ...] [--skip TEXT ...] [--ref-taus 100,110,120,half]
        [--accel-taus 80 ...] [--exact] [--carry] [--out benchmarks/RESULTS.md]
"""
import argparse, json, math, time
from pathlib import Path
import torch
from _results import HERE, machine, update_section, shipped_starters, seconds_per_iter, start_seconds
from warp_lca.data import cifar10, load_images, photos
from warp_lca.evaluate import Method, summarized_run, time_to_quality, not_worse, iters_to_reach, mean_curve, merge_summaries, summary_paths
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.reports import settings_text
from warp_lca.predictor import load_starter, lca_iterations
from warp_lca.pretrained import cifar10_dictionary, LATEST_WARP
from warp_lca.warm_starters import ClosedFormStarter

SETS = {'cifar-0.15': 0.15, 'cifar-0.5': 0.5, 'tiny': 0.15, 'photos': 0.15}


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sets', default=','.join(SETS), help='data sets: ' + ', '.join(SETS) + " ('': re-render the section from the results file only)")
    ap.add_argument('--n', type=int, default=1000, help='CIFAR-10 test images')
    ap.add_argument('--tiny-n', type=int, default=1000, help='Tiny ImageNet validation images (64×64)')
    ap.add_argument('--iters', type=int, default=1000, help='iterations of every run (the reference is LCA at this many)')
    ap.add_argument('--starter', action='append', default=[], help='NAME=PATH of a trained starter file (repeatable)')
    ap.add_argument('--shipped', default=None, help=f'comma-separated shipped WARP versions to measure (default: v0,{LATEST_WARP}, the paper\'s and the latest)')
    ap.add_argument('--skip', action='append', default=[], help='leave out the rows whose label contains this text (repeatable; '
                    'recorded in the command printed under the table; the references and defaults cannot be skipped)')
    ap.add_argument('--ref-taus', default='100,110,120,half', help="τs of the zero-start plain LCA rows among which the reference is the best by "
                    "mean PSNR (with the default τ); 'half' = ⌈‖Φ‖²/2⌉, the stability limit")
    ap.add_argument('--accel-taus', default='', help='comma-separated τs of extra accelerated rows (default β), from zero and from every start, '
                    'e.g. 80: the heavy-ball stability limit ‖Φ‖²/(2(1+β)) that the default τ keeps 1.25× away from')
    ap.add_argument('--exact', action='store_true', help="refine every crossing of the log grid to the exact iteration (re-runs each start to its "
                    "crossing, every iteration traced since the grid's point before)")
    ap.add_argument('--batch-size', type=int, default=250)
    ap.add_argument('--out', default=str(HERE / 'RESULTS.md'), help='results file (a section is replaced)')
    ap.add_argument('--cache', default=str(HERE / 'results' / 'cache'), help='local cache of the full runs (git-ignored)')
    ap.add_argument('--checkpoints', default=str(HERE / 'checkpoints'), help='summaries of the pieces (committed; shared with reproduction.py)')
    ap.add_argument('--timing-repeats', type=int, default=3)
    ap.add_argument('--carry', action='store_true', help='keep the warm-start rows of the previous render of a set that this run does not measure '
                    '(a starter file no longer at hand): re-evaluated against this render\'s reference from their committed piece summaries '
                    '(their start timed as then, scaled by the ratio of this render\'s solver timing to that one\'s), or, where a piece is '
                    'missing, kept as they were; either way marked with the date of the render that measured them')
    return ap.parse_args(argv)


def data(name, a):
    "Normalised images of a data set: a tensor, or a list of full-size photographs."
    if name.startswith('cifar'): return CIFAR10_NORM(cifar10('test', n=a.n)[0])
    if name == 'tiny': return CIFAR10_NORM(load_images('tinyimagenet', n=a.tiny_n))
    return [CIFAR10_NORM(im) for im in photos().values()]


def starters(D, a):
    "name -> starter: the shipped WARP models, Bowren's closed form, and the trained files given with --starter."
    out = shipped_starters(a.shipped.split(',') if a.shipped else ('v0', LATEST_WARP))
    out['closed form'] = ClosedFormStarter(D)
    for spec in a.starter:
        name, path = spec.split('=', 1)
        out[name] = load_starter(path)
    return out


def methods(D, sts, name, a):
    "label -> (Method, solver key for timing): references, defaults, context solvers, and warm starts."
    half = float(math.ceil(D.op_norm_sq() / 2))
    taus = sorted({half if t == 'half' else float(t) for t in a.ref_taus.split(',')})
    m = {f'LCA τ={t:g}': (Method('lca', settings=dict(tau=t)), 'lca') for t in taus}
    m |= {'LCA (default τ)': (Method('lca'), 'lca'), 'accelerated LCA (default)': (Method('accelerated'), 'accelerated')}
    acc = [float(t) for t in a.accel_taus.split(',') if t]
    m |= {f'accelerated τ={t:g}': (Method('accelerated', settings=dict(tau=t)), 'accelerated') for t in acc}
    if name.startswith('cifar'):
        m |= {'FISTA (ℓ1)': (Method('fista', settings=dict(threshold='soft')), 'fista'), 'IHT': (Method('iht'), 'iht')}
    for s, st in sts.items():
        m[f'accelerated from {s}'] = (Method('accelerated', st), 'accelerated')
        if s.startswith('WARP v0 '): m[f'LCA τ=100 from {s}'] = (Method('lca', st, dict(tau=100.)), 'lca')  # the solver v0 was trained for
        m |= {f'accelerated τ={t:g} from {s}': (Method('accelerated', st, dict(tau=t)), 'accelerated') for t in acc}
    return m


def max_drop(run):
    "Per image: best PSNR along the run minus the final PSNR (dB); the largest over images."
    return float((run['best_psnr'] - run['final']['psnr']).max())


class Recorded:
    "The start of a row measured in an earlier render whose starter file is no longer at hand: only its committed summaries are read."
    def __init__(self, name, seconds, cost): self.name, self.seconds, self.cost = name, seconds, cost
    def predict_states(self, *args, **kwargs): raise RuntimeError(f'{self.name}: the starter file is not at hand, so this start cannot be run')


def piece_paths(x, D, lam, method, a)->list:
    "Where this command's `summarized_run` of `method` over `x` keeps its piece summaries."
    return summary_paths(a.checkpoints, x, D, lam, method, iters=a.iters, batch_size=a.batch_size)


def recorded_summary(x, D, lam, method, a):
    "The summary of a run read from its committed piece summaries only; None when a piece is missing (a recorded start is never run)."
    paths = piece_paths(x, D, lam, method, a)
    return merge_summaries([torch.load(p, weights_only=False) for p in paths]) if all(p.exists() for p in paths) else None


def recorded(old, ms, spi, x, D, lam, a):
    """label -> (Method, solver, summary, when) for the warm-start rows of the previous render `old` that this run does not measure,
    re-read from their committed pieces, their start seconds scaled by this render's solver timing over the one they were timed with."""
    out = {}
    for k, r in (old or {}).get('rows', {}).items():
        rec = r.get('recorded')  # every row keeps what identifies and times it
        if k in ms or not r.get('start') or not rec or rec['start_seconds'] is None or r['solver'] not in spi: continue
        key = rec['key']
        m = Method(key['solver'], Recorded(r['start'], rec['start_seconds'] * spi[r['solver']] / rec['seconds_per_iter'], r['start_cost_iters']), key['settings'])
        m.key = lambda key=key: key
        run = recorded_summary(x, D, lam, m, a)
        if run is not None: out[k] = (m, r['solver'], run, r.get('carried') or old['machine'].rsplit('; ', 1)[-1], rec)
    return out


def evaluate_set(name, a, D, sts, old=None):
    lam, x = SETS[name], data(name, a)
    ms = methods(D, sts, name, a)
    keep = lambda k: k.startswith('LCA τ=') and ' from ' not in k or 'default' in k or not any(t in k for t in a.skip)
    ms = {k: v for k, v in ms.items() if keep(k)}
    runs = {k: summarized_run(a.checkpoints, x, D, lam, m, cache_dir=a.cache, iters=a.iters, batch_size=a.batch_size, desc=f'{name} {k}')
            for k, (m, _) in ms.items()}
    solvers = {s: Method(s, settings=dict(threshold='soft') if s == 'fista' else {}) for s in sorted({s for _, s in ms.values()})}
    spi = seconds_per_iter(x, D, lam, solvers, a.batch_size, a.timing_repeats)
    sst = {s: start_seconds(x, D, lam, st, a.batch_size, a.timing_repeats) for s, st in sts.items()}
    rec = recorded(old, ms, spi, x, D, lam, a) if a.carry else {}
    for k, (m, solver, run, when, r) in rec.items():
        ms[k], runs[k] = (m, solver), run
        sst[m.start.name] = m.start.seconds
    refs = [k for k, (m, _) in ms.items() if m.solver == 'lca' and m.start is None]  # zero-start plain LCA at every τ tried
    ref = max(refs, key=lambda k: float(runs[k]['final']['psnr'].mean()))
    top = float(mean_curve(runs[ref], 'psnr')[-1])  # the same precision as the curves and the rows' target
    grid = [25 + (top - 25) * i / 9 for i in range(10)]
    rs = rows(runs, ref, top, ms, spi, sst, sts, D, x)
    for k, (m, solver, run, when, r) in rec.items(): rs[k] |= dict(carried=when, recorded=r)
    if a.exact: exact(rs, runs, ms, ref, top, spi, sst, x, D, lam, a, name)
    return dict(lam=lam, n=len(x), iters=a.iters, ref=ref, refs=refs, ref_iters=runs[ref]['iters'][-1], methods={k: (m.key(), s) for k, (m, s) in ms.items()},
                seconds_per_iter=spi, start_seconds=sst, rows=rs, machine=machine(), command=command(a, name),
                curves=dict(targets=grid, speedup={k: curve(run, runs[ref], grid) for k, run in runs.items() if k != ref}))


def goal(r0, spi):
    "The reference run's final mean L0 (in the curves' own precision: the reference reaches itself) and its untraced wall-clock."
    return float(mean_curve(r0, 'l0')[-1]), r0['iters'][-1] * spi['lca']


def rows(runs, ref, psnr, ms, spi, sst, sts, D, x):
    "One row per run; the target is the reference's final mean PSNR `psnr` (the grid's top) with its final mean L0, in the curves' own precision."
    r0 = runs[ref]
    l0, t_ref = goal(r0, spi)
    size = tuple((x[0] if isinstance(x, list) else x).shape[-2:])
    out = {}
    for k, run in runs.items():
        meth, solver = ms[k]
        st = meth.start.name if isinstance(meth.start, Recorded) else next((n for n, s in sts.items() if s is meth.start), None)
        cost = meth.start.cost if isinstance(meth.start, Recorded) else None if st is None else lca_iterations(sts[st], D, size)
        q = time_to_quality(run, psnr, l0, spi[solver], sst.get(st, 0.))
        out[k] = dict(solver=solver, start=st, tau=run['info'].get('tau'), momentum=run['info'].get('momentum'),
                      psnr=float(run['final']['psnr'].mean()), l0=float(run['final']['l0'].mean()), psnr0=float(mean_curve(run, 'psnr')[0]),
                      not_worse=not_worse(r0, run), max_drop=max_drop(run), oscillating=len(run['info'].get('oscillating', [])),
                      start_cost_iters=cost, recorded=dict(key=meth.key(), start_seconds=sst.get(st), seconds_per_iter=spi[solver]),
                      **reach(q['iters'], q['seconds'], r0['iters'][-1], t_ref), **lead(runs, ms, k))
    return out


def reach(iters, seconds, ref_iters, t_ref):
    "Iterations and seconds to the reference, and the speed-ups over it (None where never reached)."
    return dict(iters=iters, seconds=seconds, iter_speedup=None if iters is None else ref_iters / max(iters, 1),
                wall_speedup=None if seconds is None else t_ref / seconds)


def exact(rs, runs, ms, ref, psnr, spi, sst, x, D, lam, a, name):
    """Refine each row's crossing of the log grid: run the same start to the grid's crossing again, tracing every iteration since the
    grid's point before (cheap: no further than the crossing); the row's iterations, seconds and speed-ups become the exact ones."""
    r0 = runs[ref]
    l0, t_ref = goal(r0, spi)
    for k, r in rs.items():
        m, solver = ms[k]
        if k == ref or r['iters'] is None or isinstance(m.start, Recorded): continue
        it = runs[k]['iters']; j = it.index(r['iters'])
        if j == 0 or it[j - 1] + 1 == r['iters']: r['iters_grid'] = r['iters']; continue
        e = summarized_run(a.checkpoints, x, D, lam, m, iters=r['iters'], trace=list(range(it[j - 1] + 1, r['iters'] + 1)),
                           batch_size=a.batch_size, desc=f'{name} {k} (exact)')
        same = float(mean_curve(e, 'psnr')[-1] - mean_curve(runs[k], 'psnr')[j])
        if abs(same) > 1e-3: raise RuntimeError(f'{k}: the re-run to iteration {r["iters"]} differs from the full run by {same:+.4f} dB there')
        q = time_to_quality(e, psnr, l0, spi[solver], sst.get(r['start'], 0.))
        r |= dict(iters_grid=r['iters']) | reach(q['iters'], q['seconds'], r0['iters'][-1], t_ref)


def lead(runs, ms, k):
    "A warm start's smallest lead (dB, at which iteration) in mean PSNR over the same solver and settings from zero, and the share of images not worse at the end."
    m = ms[k][0]
    z = next((j for j, (mz, _) in ms.items() if mz.start is None and mz.solver == m.solver and mz.settings == m.settings), None)
    if m.start is None or z is None: return {}
    d = mean_curve(runs[k], 'psnr') - mean_curve(runs[z], 'psnr')
    i = int(d.argmin())
    out = dict(zero=z, min_lead=float(d[i]), min_lead_at=runs[k]['iters'][i], not_worse_zero=not_worse(runs[z], runs[k]))
    return out | energy_lead(runs[k], runs[z]) if 'energy' in runs[k]['final'] else out


def energy_lead(run, zero):
    """The same comparison on the energy the solver minimises (½‖x − Φa‖² + penalty, per image): the smallest relative
    lead of the mean energy over the zero start (%, at which iteration; > 0: the warm start's energy is lower), and the share
    of images whose final energy is no higher. PSNR alone cannot tell a worse code from a sparser one of lower energy."""
    e, e0 = mean_curve(run, 'energy'), mean_curve(zero, 'energy')
    d = 100 * (e0 - e) / e0
    i = int(d.argmin())
    return dict(min_energy_lead=float(d[i]), min_energy_lead_at=run['iters'][i],
                lower_energy_zero=float((run['final']['energy'] <= zero['final']['energy']).float().mean()))


def curve(run, ref_run, targets):
    "Speed-up in iterations over the reference to reach each mean-PSNR target (None where either never does)."
    it = lambda r, t: iters_to_reach(mean_curve(r, 'psnr'), r['iters'], t)
    return [None if it(run, t) is None or it(ref_run, t) is None else it(ref_run, t) / max(it(run, t), 1) for t in targets]


def lead_text(r):
    return '' if 'min_lead' not in r else f"{r['min_lead']:+.2f} @{r['min_lead_at']}, {100 * r['not_worse_zero']:.1f} %"


def energy_text(r):
    return '' if 'min_energy_lead' not in r else f"{r['min_energy_lead']:+.2f} % @{r['min_energy_lead_at']}, {100 * r['lower_energy_zero']:.1f} %"


def fmt(v, f='{:.1f}', none='never'):
    return none if v is None else f.format(v)


def table(name, s):
    ref = s['rows'][s['ref']]
    tried = ', '.join(f"{k} {s['rows'][k]['psnr']:.2f} dB" for k in s.get('refs', [])) or 'LCA τ=100 and the stability limit'
    L = [f"### {name}: λ = {s['lam']}, {s['n']} images; reference **{s['ref']}** @{s['ref_iters']}: "
         f"{ref['psnr']:.2f} dB, L0 {ref['l0']:.1f}", "", f"Reference: the best by final mean PSNR of zero-start plain LCA among {tried}.", "", f"Machine: {s['machine']}. Command: `{s['command']}`.", "",
         "| solver (settings) | start | iterations to reference (PSNR ≥, L0 ≤) | wall-clock s (start incl.) | speed-up iterations / wall | PSNR@0 | PSNR@end | L0@end | images not worse than ref at end | max drop from best PSNR (dB) | oscillating images | warm start: smallest lead over the same solver from zero (dB @ it.), images not worse than it at end | warm start: smallest lead in energy over the same solver from zero (% @ it.), images with no higher energy at end |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for k, r in s['rows'].items():
        settings = settings_text(r)
        cost = '' if r['start_cost_iters'] is None else f" ({r['start_cost_iters']:.1f} LCA it.)"
        was = '' if not r.get('carried') else (f" (carried from the render of {r['carried']}, as measured then: against that render's reference and timing)" if r.get('stale')
               else f" (measured in the render of {r['carried']}; re-read from its committed summaries against this reference, its start timed then × this render's solver timing / that one's)")
        its = fmt(r['iters'], '{}') + ('' if r.get('iters_grid') is None else f" (exact; grid {r['iters_grid']})")
        L.append(f"| {k.split(' from ')[0]} ({settings}) | {r['start'] or 'zero'}{cost}{was} | {its} | {fmt(r['seconds'], '{:.1f}', '—')} | "
                 f"{fmt(r['iter_speedup'], '{:.1f}×', '—')} / {fmt(r['wall_speedup'], '{:.1f}×', '—')} | {r['psnr0']:.2f} | {r['psnr']:.2f} | {r['l0']:.1f} | "
                 f"{100 * r['not_worse']:.1f} % | {r['max_drop']:.2f} | {r['oscillating']} | {lead_text(r)} | {energy_text(r)} |")
    L += ["", "Seconds per iteration over the whole set (untraced, interleaved, best of repeats): " +
          ", ".join(f"{k} {v:.3g}" for k, v in s['seconds_per_iter'].items()) +
          "; start seconds: " + (", ".join(f"{k} {v:.3g}" for k, v in s['start_seconds'].items()) or '—') + "."]
    return L


def targets(sets):
    "The issue's targets, each as measured, met or not."
    ok = lambda c: 'met' if c else 'missed'
    L = ["", "**Targets** (as measured):"]
    bad = {n: [(k, r['max_drop']) for k, r in s['rows'].items() if k in ('LCA (default τ)', 'accelerated LCA (default)') and r['max_drop'] > 0.5] for n, s in sets.items()}
    L.append(f"- No oscillation at the defaults (`lca` and `accelerated_lca`, τ='auto'): final PSNR within 0.5 dB of the best along the run for every image: "
             f"**{ok(not any(bad.values()))}**" + ('' if not any(bad.values()) else f" (exceeded: {bad})"))
    for n, s in sets.items():
        r = s['rows']['accelerated LCA (default)']
        L.append(f"- {n} ({s['n']} images): accelerated, zero start, reaches the reference in ≤ 200 iterations: **{ok(r['iters'] is not None and r['iters'] <= 200)}** "
                 f"({fmt(r['iters'], '{}')} iterations, {fmt(r['iter_speedup'])}×); ≥ 99 % of images not worse at the end: **{ok(r['not_worse'] >= 0.99)}** ({100 * r['not_worse']:.1f} %)")
    for n, s in sets.items():
        for k, r in s['rows'].items():
            if 'min_lead' in r and 'WARP' in str(r['start']):
                L.append(f"- {n} ({s['n']} images), {k}: warm start ahead of the same solver from zero at every traced iteration: **{ok(r['min_lead'] > 0)}** "
                         f"(smallest lead {r['min_lead']:+.2f} dB @{r['min_lead_at']}); not worse at the end on ≥ 99 % of images: **{ok(r['not_worse_zero'] >= 0.99)}** "
                         f"({100 * r['not_worse_zero']:.1f} %)" + ('' if 'min_energy_lead' not in r else
                         f"; beside it, not a target: on the energy the solver minimises, ahead at every traced iteration: {r['min_energy_lead'] > 0} "
                         f"(smallest lead {r['min_energy_lead']:+.2f} % @{r['min_energy_lead_at']}), no higher final energy on {100 * r['lower_energy_zero']:.1f} % of images"))
    missing = [n for n in SETS if n not in sets]
    if missing: L.append(f"- Not measured yet (so no target above covers them): {', '.join(missing)}.")
    for n, goal, moon in (('cifar-0.15', 10, 20), ('cifar-0.5', 5, None)):
        if n not in sets: continue
        rs = sets[n]['rows']
        shipped = [k for k, r in rs.items() if r['start'] is None or str(r['start']).startswith('WARP v')]  # the issue asks for a shipped starter
        best = max(shipped, key=lambda k: rs[k]['wall_speedup'] or 0)
        w, r = rs[best]['wall_speedup'], rs[best]
        L.append(f"- CIFAR-10 λ {sets[n]['lam']} ({sets[n]['n']} images), best shipped start + solver ≥ {goal}× less wall-clock than the reference: **{ok(w is not None and w >= goal)}**"
                 + ('' if moon is None else f"; moonshot {moon}×: **{ok(w is not None and w >= moon)}**") +
                 f" ({best}: {fmt(w)}×, {fmt(r['iters'], '{}')} iterations{' exact' if r.get('iters_grid') else ' (log grid)'}, {r['oscillating']} image(s) left oscillating)")
    return L


def figure(sets):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    f = make_subplots(rows=1, cols=len(sets), subplot_titles=[f"{n} (λ = {s['lam']})" for n, s in sets.items()])
    for j, (n, s) in enumerate(sets.items()):
        if 'curves' not in s: continue  # measured before the curves were kept
        ts = s['curves']['targets']
        for k, ys in s['curves']['speedup'].items():
            f.add_trace(go.Scatter(x=ts, y=ys, mode='lines+markers', name=k, legendgroup=k, showlegend=j == 0,
                                   hovertemplate=f'{k}<br>target %{{x:.2f}} dB<br>speed-up %{{y:.1f}}×<extra></extra>'), row=1, col=j + 1)
        f.update_xaxes(title_text='target mean PSNR (dB)', row=1, col=j + 1)
    f.update_yaxes(title_text='iteration speed-up over the reference (×)', type='log', row=1, col=1)
    return f.update_layout(title='Speed-up to each PSNR target over the reference (zero-init plain LCA at its better τ)', height=450, width=420 * len(sets) + 200)


def command(a, name):
    "The command that (re-)measures one data set."
    n = f' --n {a.n}' if name.startswith('cifar') else f' --tiny-n {a.tiny_n}' if name == 'tiny' else ''
    return f"python benchmarks/time_to_quality.py --sets {name}{n} --iters {a.iters}" + (f" --shipped {a.shipped}" if a.shipped else '') + \
        ''.join(f" --starter '{s}'" for s in a.starter) + \
        ''.join(f" --skip '{s}'" for s in a.skip) + f" --ref-taus {a.ref_taus}" + (f" --accel-taus {a.accel_taus}" if a.accel_taus else '') + \
        (' --exact' if a.exact else '') + (' --carry' if a.carry else '')


def carry(old, new):
    "`new` with the warm-start rows (and speed-up curves) of `old` that it lacks and could not re-read, each marked `carried` (as measured then: `stale`)."
    if not old: return new
    when = old['machine'].rsplit('; ', 1)[-1]
    for k, r in old['rows'].items():
        if k not in new['rows'] and r.get('start'):
            new['rows'][k] = r | {'carried': r.get('carried') or when, 'stale': True}
            if k in old.get('curves', {}).get('speedup', {}): new['curves']['speedup'].setdefault(k, old['curves']['speedup'][k])
    return new


def load_sets(path:Path)->dict:
    "The data sets measured so far (results/time_to_quality.json): each run of the script adds or replaces the sets it measured."
    if not path.exists(): return {}
    return json.loads(path.read_text())


def main(argv=None):
    a = parse(argv)
    D = cifar10_dictionary()
    sts = starters(D, a)
    out = Path(a.out); res = out.parent / 'results'; res.mkdir(parents=True, exist_ok=True)
    js = res / 'time_to_quality.json'
    for name in filter(None, a.sets.split(',')):  # --sets '': no set measured, the section re-rendered from the results file
        t0 = time.perf_counter()
        old = load_sets(js).get(name)
        s = evaluate_set(name, a, D, sts, old)
        print(f'{name}: {time.perf_counter() - t0:.0f} s', flush=True)
        print('\n'.join(table(name, s)), flush=True)
        if a.carry: s = carry(old, s)
        sets = load_sets(js) | {name: s}  # written after every set: a later set's crash loses nothing
        js.write_text(json.dumps({n: sets[n] for n in SETS if n in sets}, indent=1, default=str))
    sets = {n: s for n, s in load_sets(js).items()}
    L = ["## Time to quality (`benchmarks/time_to_quality.py`)", "",
         "Each data set is measured by its own command (printed under its table, with the machine and date) and kept in "
         "`results/time_to_quality.json`; a run of the script replaces the sets it measures and rewrites this section from that file.", "",
         "The reference of each set is zero-start plain LCA at the best τ by final mean PSNR among those its command tried (listed under its title); "
         "a start reaches it at the first traced iteration with mean PSNR at least the reference's and mean L0 no higher; with `--exact` that "
         "iteration is exact (every iteration traced since the log grid's point before; the grid's is beside it). "
         "Every solver's settings are printed beside its numbers; τ = 100 is the paper's, τ = ⌈‖Φ‖²/2⌉ the stability limit, the default τ "
         "is `stable_tau` (1.25 × the limit, with momentum β: ‖Φ‖²/(2(1+β))). Starts: a warm starter's forward pass is charged to the "
         "wall-clock; its cost in LCA iterations (FLOPs) is given beside it. FISTA solves the ℓ1 problem (soft threshold) and IHT the ℓ0 one "
         "with step 1/L: context, not references.", ""]
    for n, s in sets.items(): L += table(n, s) + [""]
    L += targets(sets)
    L += ["", "Speed-up curves over a grid of PSNR targets (25 dB to the reference): `results/time_to_quality.html`."]
    update_section('time_to_quality', '\n'.join(L), path=out)
    update_section('warm_starts', "## Warm-start shoot-out\n\nThe shoot-out of every warm starter under every solver is now part of the time-to-quality "
                   "benchmark (section `time_to_quality`, `benchmarks/time_to_quality.py`), with the reference at its better τ.", path=out)
    figure(sets).write_html(res / 'time_to_quality.html', include_plotlyjs='cdn')
    print('\n'.join(L))


if __name__ == '__main__': main()
