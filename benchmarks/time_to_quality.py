"""Time to quality: iterations and wall-clock each solver × start needs to reach the quality of the reference.

The reference is plain zero-init LCA after `--iters` (1000) iterations at the better (by mean PSNR) of τ = 100 (the
paper) and τ = ⌈‖Φ‖²/2⌉ (the stability limit), so that nothing is measured against an impaired baseline. A candidate
reaches the reference's quality at the first traced iteration where its mean PSNR is at least the reference's *and*
its mean L0 is no higher. Wall-clock includes the start (a warm starter's forward pass) and uses each solver's own
untraced cost per iteration, timed interleaved so that machine load hits every solver alike.

Data sets: the CIFAR-10 test images at λ 0.15 and 0.5, Tiny ImageNet validation images at 64×64 (λ 0.15) and the
embedded photographs at full size (λ 0.15). Every run is traced at log-spaced iterations; the summary of each piece
(250 images, or one photograph: mean curves, per-image final and best PSNR, a few KB) goes into benchmarks/checkpoints/,
which is committed, so a data set too long for one session resumes in the next on any machine (full runs are also
cached locally under --cache).

    python benchmarks/time_to_quality.py [--sets cifar-0.15,cifar-0.5,tiny,photos] [--n 1000] [--tiny-n 1000]
        [--iters 1000] [--shipped v0,v2,...] [--starter NAME=PATH ...] [--skip TEXT ...] [--out benchmarks/RESULTS.md]
"""
import argparse, json, math, time
from pathlib import Path
import torch
from _results import HERE, machine, update_section, shipped_starters, seconds_per_iter, start_seconds
from warp_lca.data import cifar10, load_images, photos
from warp_lca.evaluate import Method, summarized_run, time_to_quality, not_worse, iters_to_reach, mean_curve
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.reports import settings_text
from warp_lca.predictor import load_starter, lca_iterations
from warp_lca.pretrained import cifar10_dictionary, LATEST_WARP
from warp_lca.warm_starters import ClosedFormStarter

SETS = {'cifar-0.15': 0.15, 'cifar-0.5': 0.5, 'tiny': 0.15, 'photos': 0.15}


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sets', default=','.join(SETS), help='data sets: ' + ', '.join(SETS))
    ap.add_argument('--n', type=int, default=1000, help='CIFAR-10 test images')
    ap.add_argument('--tiny-n', type=int, default=1000, help='Tiny ImageNet validation images (64×64)')
    ap.add_argument('--iters', type=int, default=1000, help='iterations of every run (the reference is LCA at this many)')
    ap.add_argument('--starter', action='append', default=[], help='NAME=PATH of a trained starter file (repeatable)')
    ap.add_argument('--shipped', default=None, help=f'comma-separated shipped WARP versions to measure (default: v0,{LATEST_WARP}, the paper\'s and the latest)')
    ap.add_argument('--skip', action='append', default=[], help='leave out the rows whose label contains this text (repeatable; '
                    'recorded in the command printed under the table; the references and defaults cannot be skipped)')
    ap.add_argument('--batch-size', type=int, default=250)
    ap.add_argument('--out', default=str(HERE / 'RESULTS.md'), help='results file (a section is replaced)')
    ap.add_argument('--cache', default=str(HERE / 'results' / 'cache'), help='local cache of the full runs (git-ignored)')
    ap.add_argument('--checkpoints', default=str(HERE / 'checkpoints'), help='summaries of the pieces (committed; shared with reproduction.py)')
    ap.add_argument('--timing-repeats', type=int, default=3)
    ap.add_argument('--carry', action='store_true', help='keep the warm-start rows of the previous render of a set that this run does not measure '
                    '(a starter file no longer at hand), marked with the date of the render that measured them and timed as then')
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


def methods(D, sts, name):
    "label -> (Method, solver key for timing): references, defaults, context solvers, and warm starts."
    half = float(math.ceil(D.op_norm_sq() / 2))
    m = {'LCA τ=100': (Method('lca', settings=dict(tau=100.)), 'lca'),
         f'LCA τ={half:g}': (Method('lca', settings=dict(tau=half)), 'lca'),
         'LCA (default τ)': (Method('lca'), 'lca'),
         'accelerated LCA (default)': (Method('accelerated'), 'accelerated')}
    if name.startswith('cifar'):
        m |= {'FISTA (ℓ1)': (Method('fista', settings=dict(threshold='soft')), 'fista'), 'IHT': (Method('iht'), 'iht')}
    for s, st in sts.items():
        m[f'accelerated from {s}'] = (Method('accelerated', st), 'accelerated')
        if s.startswith('WARP v0 '): m[f'LCA τ=100 from {s}'] = (Method('lca', st, dict(tau=100.)), 'lca')  # the solver v0 was trained for
    return m


def max_drop(run):
    "Per image: best PSNR along the run minus the final PSNR (dB); the largest over images."
    return float((run['best_psnr'] - run['final']['psnr']).max())


def evaluate_set(name, a, D, sts):
    lam, x = SETS[name], data(name, a)
    ms = methods(D, sts, name)
    keep = lambda k: k.startswith('LCA τ=') and ' from ' not in k or 'default' in k or not any(t in k for t in a.skip)
    ms = {k: v for k, v in ms.items() if keep(k)}
    runs = {k: summarized_run(a.checkpoints, x, D, lam, m, cache_dir=a.cache, iters=a.iters, batch_size=a.batch_size, desc=f'{name} {k}')
            for k, (m, _) in ms.items()}
    refs = [k for k in runs if k.startswith('LCA τ=') and ' from ' not in k]
    ref = max(refs, key=lambda k: float(runs[k]['final']['psnr'].mean()))
    solvers = {s: Method(s, settings=dict(threshold='soft') if s == 'fista' else {}) for s in sorted({s for _, s in ms.values()})}
    spi = seconds_per_iter(x, D, lam, solvers, a.batch_size, a.timing_repeats)
    sst = {s: start_seconds(x, D, lam, st, a.batch_size, a.timing_repeats) for s, st in sts.items()}
    top = float(mean_curve(runs[ref], 'psnr')[-1])  # the same precision as the curves and the rows' target
    grid = [25 + (top - 25) * i / 9 for i in range(10)]
    return dict(lam=lam, n=len(x), iters=a.iters, ref=ref, ref_iters=runs[ref]['iters'][-1], methods={k: (m.key(), s) for k, (m, s) in ms.items()},
                seconds_per_iter=spi, start_seconds=sst, rows=rows(runs, ref, top, ms, spi, sst, sts, D, x), machine=machine(), command=command(a, name),
                curves=dict(targets=grid, speedup={k: curve(run, runs[ref], grid) for k, run in runs.items() if k != ref}))


def rows(runs, ref, psnr, ms, spi, sst, sts, D, x):
    "One row per run; the target is the reference's final mean PSNR `psnr` (the grid's top) with its final mean L0, in the curves' own precision."
    r0 = runs[ref]
    l0 = float(mean_curve(r0, 'l0')[-1])  # the curves' own precision: the reference reaches itself
    t_ref = r0['iters'][-1] * spi['lca']
    size = tuple((x[0] if isinstance(x, list) else x).shape[-2:])
    out = {}
    for k, run in runs.items():
        meth, solver = ms[k]
        st = next((n for n, s in sts.items() if s is meth.start), None)
        q = time_to_quality(run, psnr, l0, spi[solver], sst.get(st, 0.))
        out[k] = dict(solver=solver, start=st, tau=run['info'].get('tau'), momentum=run['info'].get('momentum'),
                      iters=q['iters'], seconds=q['seconds'], iter_speedup=None if q['iters'] is None else r0['iters'][-1] / max(q['iters'], 1),
                      wall_speedup=None if q['seconds'] is None else t_ref / q['seconds'], psnr=float(run['final']['psnr'].mean()),
                      l0=float(run['final']['l0'].mean()), psnr0=float(mean_curve(run, 'psnr')[0]), not_worse=not_worse(r0, run),
                      max_drop=max_drop(run), oscillating=len(run['info'].get('oscillating', [])),
                      start_cost_iters=None if st is None else lca_iterations(sts[st], D, size), **lead(runs, ms, k))
    return out


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
    L = [f"### {name}: λ = {s['lam']}, {s['n']} images; reference **{s['ref']}** @{s['ref_iters']}: "
         f"{ref['psnr']:.2f} dB, L0 {ref['l0']:.1f}", "", f"Machine: {s['machine']}. Command: `{s['command']}`.", "",
         "| solver (settings) | start | iterations to reference (PSNR ≥, L0 ≤) | wall-clock s (start incl.) | speed-up iterations / wall | PSNR@0 | PSNR@end | L0@end | images not worse than ref at end | max drop from best PSNR (dB) | oscillating images | warm start: smallest lead over the same solver from zero (dB @ it.), images not worse than it at end | warm start: smallest lead in energy over the same solver from zero (% @ it.), images with no higher energy at end |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for k, r in s['rows'].items():
        settings = settings_text(r)
        cost = '' if r['start_cost_iters'] is None else f" ({r['start_cost_iters']:.1f} LCA it.)"
        was = f" (carried: measured in the render of {r['carried']}, with that render's timing)" if r.get('carried') else ''
        L.append(f"| {k.split(' from ')[0]} ({settings}) | {r['start'] or 'zero'}{cost}{was} | {fmt(r['iters'], '{}')} | {fmt(r['seconds'], '{:.1f}', '—')} | "
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
    if 'cifar-0.15' in sets:
        rs = sets['cifar-0.15']['rows']
        best = max(rs, key=lambda k: rs[k]['wall_speedup'] or 0)
        w = rs[best]['wall_speedup']
        L.append(f"- CIFAR-10 λ 0.15 ({sets['cifar-0.15']['n']} images), best start + solver ≥ 10× less wall-clock than the reference (moonshot 20×): **{ok(w is not None and w >= 10)}** "
                 f"({best}: {fmt(w)}×)")
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
        ''.join(f" --skip '{s}'" for s in a.skip) + (' --carry' if a.carry else '')


def carry(old, new):
    "`new` with the warm-start rows (and speed-up curves) of `old` that it lacks, each marked `carried` with the date of `old`'s render."
    if not old: return new
    when = old['machine'].rsplit('; ', 1)[-1]
    for k, r in old['rows'].items():
        if k not in new['rows'] and r.get('start'):
            new['rows'][k] = r | {'carried': r.get('carried') or when}
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
    for name in a.sets.split(','):
        t0 = time.perf_counter()
        s = evaluate_set(name, a, D, sts)
        print(f'{name}: {time.perf_counter() - t0:.0f} s', flush=True)
        print('\n'.join(table(name, s)), flush=True)
        if a.carry: s = carry(load_sets(js).get(name), s)
        sets = load_sets(js) | {name: s}  # written after every set: a later set's crash loses nothing
        js.write_text(json.dumps({n: sets[n] for n in SETS if n in sets}, indent=1, default=str))
    sets = {n: s for n, s in load_sets(js).items()}
    L = ["## Time to quality (`benchmarks/time_to_quality.py`)", "",
         "Each data set is measured by its own command (printed under its table, with the machine and date) and kept in "
         "`results/time_to_quality.json`; a run of the script replaces the sets it measures and rewrites this section from that file.", "",
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
