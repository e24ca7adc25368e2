"Programmatic tests of warp_lca.widgets: set controls from Python, check that the figures change. Tiny sizes, CPU."
import time
import numpy as np
import pytest
import torch
import warp_lca.widgets as wg
from warp_lca.dictionary import ConvDictionary
from warp_lca.metrics import CIFAR10_NORM


@pytest.fixture(scope='module')
def D(): return ConvDictionary.random(8, 3, 5, 2, seed=0)

@pytest.fixture(scope='module')
def imgs():
    g = torch.Generator().manual_seed(0)
    return {'a': torch.rand(3, 16, 16, generator=g), 'b': torch.rand(3, 16, 16, generator=g)}

class Replay:
    "A stand-in predictor for the plumbing (not WARP-LCA): returns fixed states."
    def __init__(self, u): self.u = u
    def predict_states(self, x, lam): return self.u

def explorer(imgs, D, **kw):
    kw = dict(warp=None, iters=12, trace_every=4, device='cpu', background=False) | kw
    return wg.ConvergenceExplorer(imgs, D, **kw)


def test_devices_and_images():
    assert wg.pick_device('cpu').type == 'cpu' and wg.device_label('cpu') == 'CPU'
    n_cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
    assert wg.device_options() == [('CPU', 'cpu')] + [(wg.device_label(f'cuda:{i}'), f'cuda:{i}') for i in range(n_cuda)]
    assert wg.pick_device().type == ('cuda' if torch.cuda.is_available() else 'cpu')
    assert list(wg.as_images(torch.rand(2, 3, 8, 8))) == ['image 0', 'image 1']
    with pytest.raises(ValueError, match='must be'): wg.as_images(torch.rand(4, 4))
    imgs = wg.demo_images(tiles_per_photo=1, n_cifar=0)
    assert len(imgs) == 5 and all(im.shape == (3, 32, 32) for im in imgs.values())


def test_run_traced_records_and_stops(imgs, D):
    x = CIFAR10_NORM(imgs['a'][None])
    seen = []
    tr = wg.run_traced(x, D, 0.1, 12, trace_every=4, on_trace=lambda t: seen.append(t['LCA'].iters[-1]))
    assert seen == [0, 4, 8, 12] and tr['LCA'].iters == seen and len(tr['LCA'].codes) == 4
    assert tr['LCA'].codes[0].shape == (8, 8, 8) and tr['LCA'].metrics['l0'][0] == 0
    assert wg.run_traced(x, D, 0.1, 100, trace_every=4, should_stop=lambda: True)['LCA'].iters == [0]
    u = torch.rand(1, 8, 8, 8)
    tr = wg.run_traced(x, D, 0.1, 4, trace_every=2, warp=Replay(u))
    assert list(tr) == ['LCA', 'WARP-LCA'] and tr['WARP-LCA'].metrics['l0'][0] > 0
    with pytest.raises(ValueError, match='predict_states returned shape'): wg.run_traced(x, D, 0.1, 4, warp=Replay(u[..., :4]))


def test_sliders_change_the_figure(imgs, D):
    ex = explorer(imgs, D, auto_run=True)
    assert ex.background is False and ex.fig.data[0].x == ()
    ex.run()
    assert ex.fig.data[0].x == (0, 4, 8, 12) and ex.n_runs == 1
    title, l0 = ex.fig.layout.title.text, ex.fig.data[1].y
    ex.lam.value = 0.6  # auto_run: a synchronous run
    assert ex.n_runs == 2 and 'λ = 0.60' in ex.fig.layout.title.text and ex.fig.layout.title.text != title
    assert ex.fig.data[1].y != l0 and ex.fig.data[1].y[-1] <= l0[-1]
    ex.iters.value = 20
    assert ex.fig.data[0].x[-1] == 20 and '20 / 20' in ex.fig.layout.title.text
    ex.threshold.value = 'soft'; assert 'soft' in ex.fig.layout.title.text
    psnr = ex.fig.data[2].y
    ex.image.value = 'b'; assert ex.fig.layout.title.text.startswith('b ·') and ex.fig.data[2].y != psnr
    assert ex.n_runs == 5 and 'done' in ex.status.value


def test_without_auto_run_the_title_says_press_run(imgs, D):
    ex = explorer(imgs, D)
    ex.lam.value = 0.3
    assert ex.n_runs == 0 and 'press Run' in ex.fig.layout.title.text and ex.fig.data[0].x == ()
    ex.run_button.value = True  # what a browser click on the Run toggle sends
    assert ex.n_runs == 1 and ex.fig.data[0].x == (0, 4, 8, 12) and ex.run_button.description == 'Run' and not ex.run_button.value


def test_background_run_and_stop(imgs, D):
    ex = explorer(imgs, D, iters=3000, trace_every=5, background=True)
    ex.start()
    time.sleep(0.3)
    assert ex.running and ex.run_button.description == 'Stop' and ex.run_button.value
    ex.stop()
    assert not ex.running and 0 < ex.result['LCA'].iters[-1] < 3000 and 'stopped' in ex.fig.layout.title.text


def test_run_stop_toggle_follows_the_solver(imgs, D):
    "Issue 16.2: the toggle reads Run as soon as the solver ends, before the slow listeners; a late Stop click starts nothing."
    ex = explorer(imgs, D, iters=3000, background=True, trace_every=None)
    seen = []
    ex.on_result(lambda t, e: (seen.append((e.run_button.description, e.run_button.value, e.running)), time.sleep(1.0)))
    ex.run_button.value = True  # a click on Run
    time.sleep(0.3)
    assert ex.running and ex.run_button.description == 'Stop'
    t0 = time.monotonic()
    ex.run_button.value = False  # a click on Stop
    while (ex.run_button.description != 'Run' or 'stopped in' not in ex.fig.layout.title.text) and time.monotonic() - t0 < 5: time.sleep(0.02)
    assert time.monotonic() - t0 < 2 and 'stopped in' in ex.fig.layout.title.text and ex.run_button.description == 'Run'
    assert ex._thread.is_alive()  # the listener is still busy: the toggle did not wait for it
    ex.run_button.value = False  # a Stop click that arrives late
    ex.wait()
    assert seen == [('Run', False, False)] and ex.n_runs == 1 and not ex.running
    assert max(np.diff(ex.result["LCA"].iters)) <= 3000 // 100  # a Stop waits at most iters/100 iterations


def test_solver_warm_start_and_device_selectors(imgs, D):
    "Issue 16.3: solver, warm start and device are controls that change the run (CUDA devices when present)."
    ex = explorer(imgs, D, warp=Replay(torch.rand(1, 8, 8, 8)), iters=40, trace_every=10, auto_run=True)
    assert list(ex.solver.options) == ['LCA', 'accelerated LCA (β 0.95)'] and ex.warm.value and not ex.warm.disabled
    ex.run(); mse = ex.result['LCA'].metrics['mse'][-1]
    ex.solver.value = 'accelerated LCA (β 0.95)'
    assert ex.n_runs == 2 and ex.momentum == 0.95 and ex.result['LCA'].metrics['mse'][-1] < mse and 'accelerated LCA' in ex.fig.layout.title.text
    ex.warm.value = False
    assert list(ex.result) == ['LCA'] and ex.fig.data[4].x == () and ex.n_runs == 3
    assert ex.device_picker.options[0] == ('CPU', 'cpu') and ex.device_picker.value == 'cpu'
    for label, dev in ex.device_picker.options[1:]:
        ex.device_picker.value = dev
        assert ex.dictionary.weight.device == torch.device(dev) and ex.result['LCA'].iters[-1] == 40 and label.split(' (')[0] in ex.fig.layout.title.text
    assert explorer(imgs, D).warm.disabled  # no predictor: the warm start cannot be switched on


def test_plots_say_what_they_show(imgs, D):
    "Issue 16.4: one colour per method in every panel, units on axes and hover, a log iterations axis."
    from warp_lca.reports import method_color
    ex = explorer(imgs, D, warp=Replay(torch.rand(1, 8, 8, 8)))
    for t in ex.fig.data: assert t.line.color == method_color(t.name)
    assert method_color('LCA') != method_color('WARP-LCA')
    titles = [a.text for a in ex.fig.layout.annotations]
    assert titles == ['MSE (normalised units²)', 'L0 (non-zero coefficients)', 'PSNR (dB)', 'SSIM (0 to 1)']
    assert all(ex.fig.layout[f'xaxis{i}'].title.text == 'iteration' for i in ('', 2, 3, 4))
    assert 'PSNR %{y:.2f} dB' in ex.fig.data[2].hovertemplate and 'coefficients' in ex.fig.data[1].hovertemplate
    ex.logx.value = True
    assert all(ex.fig.layout[f'xaxis{i}'].type == 'log' for i in ('', 2, 3, 4))
    p = wg.trace_points(2100)
    assert sum(k <= 21 for k in p) >= 8  # the first 1 % of a long run is traced densely enough to see on the log axis


def test_status_never_widens_the_controls(imgs, D):
    "Issue 16.5: a long warning goes to a one-line notes box of fixed size, never into the controls' columns."
    ex = explorer(imgs, D, warp=Replay(torch.rand(1, 8, 8, 8)))
    ex.warp.predict_states = lambda x, lam: (__import__('warnings').warn('lam outside the range ' + 'x' * 400), torch.rand(1, 8, 8, 8))[1]
    ex.run()
    assert 'outside the range' in ex.notes.value and 'white-space:nowrap' in ex.notes.value and 'text-overflow:ellipsis' in ex.notes.value
    assert ex.notes.layout.height == ex.status.layout.height == '22px' and ex.notes.layout.overflow == 'hidden'
    assert ex.notes not in ex.controls.children[0].children and ex.status not in ex.controls.children[0].children


def test_progress_while_loading(imgs, D):
    "Issue 16.5: explore() names each slow step on a progress bar, and a run counts its iterations in the status line."
    e = wg.explore(imgs, D, warp=None, device='cpu', iters=40, trace_every=4, background=False, progress=False)
    assert e.progress.steps == ['loading the images', 'loading the dictionary and the WARP-LCA predictor', 'building the widgets', 'drawing the maps and the atoms']
    assert e.progress.bar.value == e.progress.bar.max and 'ready' in e.progress.label.value
    seen, c = [], e.convergence
    c.draw_interval = 0  # every record drawn
    c.status.observe(lambda ch: seen.append(ch['new']), names='value')
    c.run()
    assert sum('running… iteration' in s for s in seen) >= 5 and 'running… iteration 20 / 40' in ''.join(seen) and 'done' in seen[-1]


def test_curves_and_maps_side_by_side(imgs, D):
    "Issue 16.5: the explorer puts the curves beside the maps, both within a 1280×800 JupyterLab view."
    e = wg.explore(imgs, D, warp=Replay(torch.rand(1, 8, 8, 8)), device='cpu', iters=8, trace_every=4, background=False, progress=False)
    assert e.widget.children[1] is e.side and e.side.children[0].children[0] is e.convergence.fig and e.side.children[1].children[0] is e.maps.widget
    cw, mw = e.convergence.fig.layout.width, e.maps.fig.layout.width
    assert cw + mw <= 840 and max(e.convergence.fig.layout.height, e.maps.fig.layout.height + 40) <= 480
    e.convergence.run()
    assert e.maps.fig.layout.width == mw  # the rows rebuilt for a new set of methods keep the width


def test_widget_notebook_runs_in_a_kernel():
    "Issue 16.1: nbs/13_widgets.ipynb runs top to bottom inside a real Jupyter kernel (where runs go to a background thread)."
    nbformat, nbclient = pytest.importorskip('nbformat'), pytest.importorskip('nbclient')
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    nb = nbformat.read(root / 'nbs' / '13_widgets.ipynb', as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': str(root / 'nbs')}}).execute()
    errors = [o for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', []) if o.get('output_type') == 'error']
    assert not errors


def test_errors_are_shown(imgs, D):
    ex = explorer(imgs, D, warp=Replay(torch.zeros(1, 8, 4, 4)))
    with pytest.raises(ValueError): ex.run()
    assert 'error' in ex.status.value and isinstance(ex.error, ValueError) and ex.run_button.description == 'Run'


def test_warp_side(imgs, D):
    ex = explorer(imgs, D, warp=Replay(torch.rand(1, 8, 8, 8)))
    assert ex.names == ['LCA', 'WARP-LCA'] and len(ex.fig.data) == 8
    ex.run()
    assert ex.fig.data[4].name == 'WARP-LCA' and ex.fig.data[4].x == (0, 4, 8, 12) and ex.fig.data[5].y != ex.fig.data[1].y


def test_warp_hidden_when_unavailable(monkeypatch, D):
    monkeypatch.setattr(wg, 'default_warp', lambda device=None: (None, 'WARP-LCA hidden: no pretrained predictor (ImportError)'))
    d, w, _, winfo = wg.pick_models(D, 'auto', 'cpu')
    assert w is None and 'hidden' in winfo
    other = Replay(None); other.dictionary = ConvDictionary.random(8, 3, 5, 2, seed=1)
    monkeypatch.setattr(wg, 'default_warp', lambda device=None: (other, 'pretrained'))
    d, w, _, winfo = wg.pick_models(D, 'auto', 'cpu')
    assert w is None and 'another dictionary' in winfo  # never paired with a dictionary it was not trained for
    d, w, dinfo, _ = wg.pick_models(None, 'auto', 'cpu')
    assert w is other and d is other.dictionary


def test_real_warp_lca_interface(imgs, D):
    warp_mod = pytest.importorskip('warp_lca.warp')
    from warp_lca.predictor import WarpCNN, StateScaler
    untrained = warp_mod.WarpLCA(D, WarpCNN(width=8, n_atoms=8).set_scaler(StateScaler(0., 0.5)))  # interface check only
    ex = wg.ConvergenceExplorer(imgs, warp=untrained, iters=4, trace_every=2, device='cpu', background=False)
    assert ex.dictionary is D  # the predictor's own dictionary
    ex.run()
    assert ex.result['WARP-LCA'].iters == [0, 2, 4]


def test_activation_maps_scrub_without_solving(monkeypatch, imgs, D):
    x = CIFAR10_NORM(imgs['a'][None])
    tr = wg.run_traced(x, D, 0.1, 12, trace_every=4, warp=Replay(torch.rand(1, 8, 8, 8)))
    am = wg.ActivationMaps(D, ('LCA', 'WARP-LCA'))
    am.show(tr, x)
    assert am.iteration.options == (0, 4, 8, 12) and am.iteration.value == 12
    np.testing.assert_array_equal(np.array(am.fig.data[3].customdata), wg.activation_map(tr['LCA'].codes[-1]).numpy())
    z_end, title = np.array(am.fig.data[3].z), am.fig.layout.title.text
    monkeypatch.setattr(wg, 'run_dataset', lambda *a, **k: pytest.fail('scrubbing must not run the solver'))
    am.iteration.value = 0
    assert am.fig.layout.title.text.startswith('iteration 0') and am.fig.layout.title.text != title
    assert np.array(am.fig.data[3].z).max() == 0 and not np.array_equal(np.array(am.fig.data[3].z), z_end)
    zs = [np.array(am.fig.data[i].z) for i in (3, 7)]
    assert max(z.max() for z in zs) <= 1
    # joint normalisation: the largest count over both methods and all iterations maps to 1
    top = max(int(wg.activation_map(torch.stack(t.codes)).max()) for t in tr.values())
    am.iteration.value = 12
    np.testing.assert_allclose(np.array(am.fig.data[7].z), wg.activation_map(tr['WARP-LCA'].codes[-1]).numpy() / top, rtol=1e-6)


def test_activation_maps_rows_follow_the_methods(imgs, D):
    x = CIFAR10_NORM(imgs['a'][None])
    am = wg.ActivationMaps(D)
    am.show(wg.run_traced(x, D, 0.1, 4, trace_every=2, warp=Replay(torch.rand(1, 8, 8, 8))), x)
    assert len(am.fig.data) == 8 and 'WARP-LCA' in am.fig.layout.title.text


def test_atom_grid(imgs, D):
    x = CIFAR10_NORM(imgs['a'][None])
    a = wg.run_traced(x, D, 0.05, 12, trace_every=4)['LCA'].codes[-1]
    ag = wg.AtomGrid(D)
    assert 'run the explorer' in ag.fig.layout.title.text
    ag.show(a, x)
    used = int(wg.atom_usage(a).argmax())
    ag.atom.value = used
    assert ag.fig.layout.shapes[0].x0 == ag.atom_box(used)['x0'] and ag.fig.layout.title.text.startswith(f'atom {used}: active at')
    n = sum(v is not None for row in ag.fig.data[3].z for v in row)
    assert n == int((a[used] != 0).sum()) > 0
    assert ag.fig.data[1].hovertext[used].startswith(f'atom {used}<br>active at')
    class Points: point_inds = [3]
    ag._clicked(ag.fig.data[1], Points(), None)  # what a click in the browser calls
    assert ag.atom.value == 3 and ag.fig.layout.title.text.startswith('atom 3:')
    assert ag.ncols == 3 and ag.fig.data[0].z.shape[:2] == (3 * 6 + 1, 3 * 6 + 1)


def test_explore_wires_everything(imgs, D):
    e = wg.explore(imgs, D, warp=None, device='cpu', iters=8, trace_every=4, auto_run=True, background=False)
    e.convergence.run()
    assert e.maps.iteration.options == (0, 4, 8)
    t_atoms, t_maps = e.atoms.fig.layout.title.text, e.maps.fig.layout.title.text
    e.convergence.lam.value = 0.5
    assert e.maps.fig.layout.title.text != t_maps and e.atoms.fig.layout.title.text != t_atoms
    assert e._repr_mimebundle_() is not None
