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
    ex.run_button.click()  # the button's handler, as a browser click would call it
    assert ex.n_runs == 1 and ex.fig.data[0].x == (0, 4, 8, 12) and ex.run_button.description == 'Run'


def test_background_run_and_stop(imgs, D):
    ex = explorer(imgs, D, iters=3000, trace_every=5, background=True)
    ex.start()
    time.sleep(0.3)
    assert ex.running and ex.run_button.description == 'Stop'
    ex.stop()
    assert not ex.running and 0 < ex.result['LCA'].iters[-1] < 3000 and 'stopped' in ex.fig.layout.title.text


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
    monkeypatch.setattr(wg, 'lca', lambda *a, **k: pytest.fail('scrubbing must not run the solver'))
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
