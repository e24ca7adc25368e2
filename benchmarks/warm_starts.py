"""Warm-start shoot-out (issue 7): zero init, Bowren's closed form, convolutional LISTA, a feed-forward CNN and WARP-CNN
as warm starts of hard-threshold LCA and of FISTA, on the CIFAR-10 test images with the shipped dictionary.

For each λ, solver and warm start: PSNR at iteration 0, iterations and wall-clock (warm starter included) to reach the
mean PSNR of zero-init LCA after `--iters` iterations (LCA@1000), final PSNR / L0 / energy, and the starter's cost in
FLOPs and in LCA iterations. FISTA is the standard one (`--fista-threshold soft`: the ℓ1 problem, step 1/‖Φ‖²), started
from the soft-threshold activations of each starter's state; its energy is the ℓ1 energy, not comparable with LCA's ℓ0
energy (compare PSNR at L0). `--fista-threshold hard` runs FISTA on LCA's ℓ0 energy instead (accelerated IHT); with
step 1/‖Φ‖² it only switches a unit on where |Φᵀ(x − Φa)| > λ‖Φ‖, and on CIFAR at λ = 0.5 it stalls near 20 dB.

    python benchmarks/warm_starts.py [--n 1000] [--lams 0.15,0.5] [--iters 1000] [--solvers lca,fista]
        [--lista runs/cifar10_lista/predictor.safetensors] [--ff runs/cifar10_ff/predictor.safetensors]
        [--out benchmarks/RESULTS.md] [--cache benchmarks/results/cache] [--device cuda]

Resumable: every trace is cached (warp_lca.evaluate.cached) under --cache, keyed by everything that determines it;
the zero-init LCA trace and the WARP trace share their keys with benchmarks/dictionary_quality.py and
benchmarks/warp_vs_lca.py. With --out other than benchmarks/RESULTS.md the JSON and the plot go next to that file.
Starters that are missing (no file, no shipped WARP model) are skipped with a note in the table.
"""
import argparse, json, math
from pathlib import Path
import torch
import _results
from _results import HERE, machine
from warp_lca.data import cifar10
from warp_lca.encode import dictionary_hash
from warp_lca.evaluate import trace_dataset, cached, cache_key, summary, iters_to_reach
from warp_lca.lca import DivergenceError
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.predictor import lca_iteration_flops
from warp_lca.pretrained import cifar10_dictionary, cifar10_warp
from warp_lca.warm_starters import ClosedFormStarter, load_starter, starter_flops, trace_solver, time_solver, time_starter

ROOT = HERE.parent
NAMES = dict(zero='zero init', closed_form='closed form (lsq)', lista='conv. LISTA', ff='feed-forward CNN', warp='WARP-CNN')


def trained_as(meta, folder=None):
    "How a starter was trained, from its saved metadata (and the trainer's history.json next to it, when there is one)."
    s = f"{meta.get('epochs', '?')} epochs (best {meta.get('best_epoch', '?')}), loss {meta.get('loss', '?')}"
    if meta.get('loss_kwargs'): s += ' (' + ', '.join(f'{k}={v}' for k, v in meta['loss_kwargs'].items()) + ')'
    if meta.get('lambdas'): s += ', λ ' + '/'.join(str(v) for v in meta['lambdas'])
    hist = Path(folder) / 'history.json' if folder else None
    if hist and hist.exists():
        hs = json.loads(hist.read_text())
        if hs and 'n_train' in hs[-1]: s += f", {hs[-1]['n_train']} training states"
        if hs and 'seconds' in hs[0]: s += f", {sum(r.get('seconds', 0) for r in hs) / 60:.0f} min"
    return s


def load_starters(a, D, dev):
    "{name: (predict_states or None, identity for the cache key, flops or 0)}, notes about the skipped ones, how each was trained."
    h = dictionary_hash(D)
    out, notes, trained = {'zero': (None, 'zero', 0)}, {}, {}
    for thr in ('hard', 'soft'):  # the least-squares amplitude is fitted for the threshold of the solver that runs next
        cf = ClosedFormStarter(D, scale='lsq', threshold=thr).to(dev)
        out[f'closed_form_{thr}'] = (cf.predict_states, json.dumps(cf.config(), sort_keys=True), starter_flops(cf))
    for name, path in (('lista', a.lista), ('ff', a.ff)):
        p = Path(path)
        if not p.exists(): notes[name] = f"no file {path} (train it with warp_lca.warm_starters.train_starter)"; continue
        st, d, meta = load_starter(p, device=dev)
        if d is not None and dictionary_hash(d) != h: notes[name] = f"{path} was trained for another dictionary"; continue
        out[name] = (st.predict_states, meta['sha'], starter_flops(st))
        trained[name] = trained_as(meta, p.parent)
    if a.no_warp: notes['warp'] = 'skipped (--no-warp)'
    else:
        try:
            W = cifar10_warp(device=dev)
            out['warp'] = (W.predict_states, W.meta.get('sha', str(W.predictor.config())), starter_flops(W))
            trained['warp'] = 'shipped model: ' + trained_as(W.meta)
        except FileNotFoundError as e: notes['warp'] = f"not shipped in this version ({str(e).split(';')[0]})"
    return out, notes, trained


def run_trace(cache, x, D, h, lam, solver, name, warm, ident, a):
    "The traced run of one (solver, warm start), cached (`h`: the dictionary's hash); None if it diverged."
    if solver == 'lca' and name == 'zero':  # the key of benchmarks/dictionary_quality.py
        key = cache_key(kind='lca', dictionary=h, lam=lam, n=a.n, iters=a.iters, tau=a.tau, threshold='hard')
        fn = lambda: trace_dataset(x, D, lam, iters=a.iters, tau=a.tau, batch_size=a.batch_size, desc=f'LCA zero λ={lam}')
    elif solver == 'lca' and name == 'warp':  # the key of benchmarks/warp_vs_lca.py
        key = cache_key(kind='warp', dictionary=h, predictor=ident, lam=lam, n=a.n, iters=a.iters, tau=a.tau)
        fn = lambda: trace_dataset(x, D, lam, iters=a.iters, tau=a.tau, warm=warm, batch_size=a.batch_size, desc=f'LCA warp λ={lam}')
    else:
        key = cache_key(kind='warm_starts', solver=solver, starter=name, ident=ident, dictionary=h, lam=lam, n=a.n, iters=a.iters,
                        tau=a.tau if solver == 'lca' else None, threshold=a.fista_threshold if solver == 'fista' else 'hard')
        thr = 'hard' if solver == 'lca' else a.fista_threshold
        fn = lambda: trace_solver(x, D, lam, solver=solver, iters=a.iters, tau=a.tau, threshold=thr, warm=warm, batch_size=a.batch_size,
                                  desc=f'{solver} {name} λ={lam}')
    try: return cached(cache, key, fn)
    except DivergenceError as e: print(f'{solver} {name} λ={lam}: diverged ({e})', flush=True); return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--n', type=int, default=1000); ap.add_argument('--iters', type=int, default=1000)
    ap.add_argument('--tau', type=float, default=100.); ap.add_argument('--lams', default='0.15,0.5')
    ap.add_argument('--solvers', default='lca,fista'); ap.add_argument('--fista-threshold', default='soft', choices=('soft', 'hard'))
    ap.add_argument('--lista', default=str(ROOT / 'runs/cifar10_lista/predictor.safetensors'))
    ap.add_argument('--ff', default=str(ROOT / 'runs/cifar10_ff/predictor.safetensors'))
    ap.add_argument('--no-warp', action='store_true', help='leave WARP-CNN out')
    ap.add_argument('--out', default=str(HERE / 'RESULTS.md'), help='markdown file whose warm_starts section is (re)written')
    ap.add_argument('--cache', default=str(HERE / 'results' / 'cache'))
    ap.add_argument('--batch-size', type=int, default=250)
    ap.add_argument('--time-n', type=int, default=250, help='images for the untraced per-iteration timing')
    ap.add_argument('--time-iters', type=int, default=50)
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    a = ap.parse_args()
    out = Path(a.out).resolve()
    res_dir = HERE / 'results' if out == (HERE / 'RESULTS.md').resolve() else out.parent
    res_dir.mkdir(parents=True, exist_ok=True)
    dev = torch.device(a.device)
    D = cifar10_dictionary(device=dev); h = dictionary_hash(D)
    x = CIFAR10_NORM(cifar10('test', n=a.n)[0]).to(dev)
    lams = [float(v) for v in a.lams.split(',')]; solvers = a.solvers.split(',')
    starters, notes, trained = load_starters(a, D, dev)
    # untraced timing: seconds per iteration over the whole set (from a subset), and of each starter over the whole set
    sub = x[:a.time_n]
    t_it = {s: time_solver(sub, D, lams[0], a.time_iters, solver=s, tau=a.tau, threshold=dict(lca='hard', fista=a.fista_threshold)[s],
                           batch_size=a.batch_size) * len(x) / len(sub) for s in solvers}
    t_st = {(n, lam): (0. if w is None else time_starter(w, x, lam, batch_size=a.batch_size)) for n, (w, _, _) in starters.items() for lam in lams}
    thr_of = dict(lca='hard', fista=a.fista_threshold)
    f_it = lca_iteration_flops(D, (32, 32))
    rows, curves = [], {}
    for lam in lams:
        ref = run_trace(a.cache, x, D, h, lam, 'lca', 'zero', None, 'zero', a)
        target = float(ref['trace']['psnr'][-1].mean())
        t_ref = a.iters * t_it.get('lca', math.nan)
        for solver in solvers:
            for key_, (warm, ident, fl) in starters.items():
                name = key_.rsplit('_', 1)[0] if key_.startswith('closed_form_') else key_
                if key_.startswith('closed_form_') and key_ != f'closed_form_{thr_of[solver]}': continue
                tr = ref if (solver, name) == ('lca', 'zero') else run_trace(a.cache, x, D, h, lam, solver, name, warm, ident, a)
                row = dict(lam=lam, solver=solver, starter=name, flops=fl, lca_iterations=fl / f_it, starter_seconds=t_st[key_, lam],
                           target_psnr=target, ref_seconds=t_ref)
                if tr is None: rows.append(row | dict(diverged=True)); continue
                curves[lam, solver, name] = tr
                k = iters_to_reach(tr['trace']['psnr'].mean(1), tr['iters'], target)
                fin, start = summary(tr), summary(tr, 0)
                wall = None if k is None else t_st[key_, lam] + k * t_it[solver]
                row.update(psnr0=start['psnr']['mean'], iters_to_target=k, seconds_to_target=wall,
                           speedup=None if wall is None or not math.isfinite(t_ref) else t_ref / max(wall, 1e-12),
                           psnr=fin['psnr']['mean'], l0=fin['l0']['mean'], energy=fin['energy']['mean'], ssim=fin['ssim']['mean'],
                           not_worse_than_zero=float((tr['trace']['psnr'][-1] >= curves[lam, solver, 'zero']['trace']['psnr'][-1] - 1e-3).float().mean())
                           if (lam, solver, 'zero') in curves else None)
                rows.append(row)
                print(json.dumps({k_: (round(v, 4) if isinstance(v, float) else v) for k_, v in row.items()}), flush=True)
    data = dict(machine=machine(), device=str(dev), n=a.n, iters=a.iters, tau=a.tau, fista_threshold=a.fista_threshold, lams=lams, solvers=solvers,
                seconds_per_iteration=t_it, lca_iteration_flops=f_it, notes=notes, trained=trained, rows=rows)
    (res_dir / 'warm_starts.json').write_text(json.dumps(data, indent=1))
    report(data, curves, out, res_dir)


def _f(v, fmt, none='—'): return none if v is None else format(v, fmt)


def conclusion(data):
    "Data-driven sentences: per λ, the fastest route to LCA@N's PSNR and how the cheap starters compare with zero init."
    L = []
    for lam in data['lams']:
        rs = [r for r in data['rows'] if r['lam'] == lam and not r.get('diverged')]
        hit = [r for r in rs if r['seconds_to_target'] is not None]
        if not hit: L.append(f"- λ = {lam}: no method reached LCA@{data['iters']}'s PSNR within {data['iters']} iterations."); continue
        best = min(hit, key=lambda r: r['seconds_to_target'])
        zero = {r['solver']: r for r in rs if r['starter'] == 'zero'}
        s = (f"- λ = {lam}: fastest to LCA@{data['iters']}'s {best['target_psnr']:.2f} dB is **{best['solver'].upper()} from {NAMES[best['starter']]}** "
             f"({best['iters_to_target']} iterations, {best['seconds_to_target']:.3g} s with the starter"
             + (f", {best['speedup']:.1f}× faster than zero-init LCA@{data['iters']})." if best['speedup'] else ")."))
        for solver, z in zero.items():
            better = [NAMES[r['starter']] for r in rs if r['solver'] == solver and r['starter'] != 'zero' and r['psnr0'] > z['psnr0']]
            s += f" Under {solver.upper()}, starting above zero init at iteration 0: {', '.join(better) if better else 'none'}."
        lca = [r for r in rs if r['solver'] == 'lca']
        if 'lca' in zero:
            e = min(lca, key=lambda r: r['energy']); d = max(lca, key=lambda r: r['l0'])
            s += (f" PSNR alone rewards denser codes: under LCA the lowest final energy (the ℓ0 objective LCA minimises) is from "
                  f"{NAMES[e['starter']]} ({e['energy']:.1f}, L0 {e['l0']:.0f}, {e['psnr']:.2f} dB), the densest from {NAMES[d['starter']]} "
                  f"(L0 {d['l0']:.0f}, {d['psnr']:.2f} dB); zero init ends at {zero['lca']['energy']:.1f}, L0 {zero['lca']['l0']:.0f}.")
        L.append(s)
    return L


def report(data, curves, out, res_dir):
    L = ["## Warm-start shoot-out (`benchmarks/warm_starts.py`)", "",
         f"{data['n']} CIFAR-10 test images, shipped dictionary, {data['iters']} iterations; hard-threshold LCA (τ = {data['tau']}) and FISTA "
         f"(threshold `{data['fista_threshold']}`, step 1/‖Φ‖²{', the ℓ1 problem: its energy is not comparable with LCA’s ℓ0 energy, compare PSNR and L0' if data['fista_threshold'] == 'soft' else ', the same ℓ0 energy as LCA'}), "
         f"each started from the activations T_λ(u0) of the starter's state (the closed form's amplitude is fitted for that threshold). "
         f"Target: zero-init LCA@{data['iters']}'s mean PSNR. "
         f"Wall-clock = the starter over all images + iterations to the target × untraced seconds per iteration "
         f"({', '.join(f'{s.upper()} {v:.3g} s' for s, v in data['seconds_per_iteration'].items())} per iteration over all images); "
         f"speed-up = zero-init LCA@{data['iters']}'s time / that. Cost in FLOPs (multiply-adds per 32×32 image) and in LCA iterations "
         f"({data['lca_iteration_flops']/1e6:.1f} M each). Device: {data['device']}. Machine: {data['machine']}.", "",
         "| λ | solver | warm start | cost MMAC (LCA its) | PSNR @0 | iterations to target | seconds to target | speed-up | final PSNR | final L0 | final energy (solver's own) | images ≥ zero init (same solver, final) |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in data['rows']:
        head = f"| {r['lam']} | {r['solver'].upper()} | {NAMES[r['starter']]} | {r['flops']/1e6:.1f} ({r['lca_iterations']:.1f}) |"
        if r.get('diverged'): L.append(head + " diverged | | | | | | | |"); continue
        L.append(head + f" {r['psnr0']:.2f} | {_f(r['iters_to_target'], 'd', 'not reached')} | {_f(r['seconds_to_target'], '.3g')} | "
                 f"{_f(r['speedup'], '.1f')}{'×' if r['speedup'] else ''} | {r['psnr']:.2f} | {r['l0']:.1f} | {r['energy']:.1f} | "
                 f"{_f(None if r['not_worse_than_zero'] is None else 100 * r['not_worse_than_zero'], '.1f')} % |")
    if data.get('trained'): L += ["", "Starters as trained (on encodings of CIFAR-10 training images): " + "; ".join(f"{NAMES[k]}: {v}" for k, v in data['trained'].items()) + "."]
    if data['notes']: L += ["", "Not in the table: " + "; ".join(f"{NAMES[k]}: {v}" for k, v in data['notes'].items()) + "."]
    L += ["", "Conclusion (generated from the numbers above):"] + conclusion(data)
    L += ["", f"Curves (mean PSNR vs iteration, per λ and solver): `{(res_dir / 'warm_starts.html').name}` next to the JSON `warm_starts.json`."]
    _results.update_section('warm_starts', '\n'.join(L), path=out)
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    lams, solvers = data['lams'], data['solvers']
    f = make_subplots(rows=len(lams), cols=len(solvers), subplot_titles=[f'{s.upper()} λ={lam}' for lam in lams for s in solvers])
    colors = dict(zero='black', closed_form='seagreen', lista='darkorange', ff='royalblue', warp='crimson')
    for i, lam in enumerate(lams):
        for j, s in enumerate(solvers):
            for name in NAMES:
                tr = curves.get((lam, s, name))
                if tr is None: continue
                xs = [max(v, 0.5) for v in tr['iters']]
                f.add_trace(go.Scatter(x=xs, y=tr['trace']['psnr'].mean(1).tolist(), name=NAMES[name], line=dict(color=colors[name]),
                                       legendgroup=name, showlegend=(i == 0 and j == 0)), row=i + 1, col=j + 1)
            tgt = next(r['target_psnr'] for r in data['rows'] if r['lam'] == lam)
            f.add_hline(y=tgt, line_dash='dot', line_color='gray', row=i + 1, col=j + 1)
            f.update_xaxes(type='log', title_text='iteration', row=i + 1, col=j + 1); f.update_yaxes(title_text='PSNR dB', row=i + 1, col=j + 1)
    f.update_layout(height=320 * len(lams), title=f"Warm starts, CIFAR-10 test (n={data['n']}); dotted: zero-init LCA@{data['iters']} (iteration 0 drawn at 0.5)")
    f.write_html(res_dir / 'warm_starts.html', include_plotlyjs='cdn')
    print('\n'.join(L))


if __name__ == '__main__': main()
