"""Fast tests of warp_lca.predictor, warp_lca.train_predictor and warp_lca.warp (CPU, tiny shapes)."""
import json, os, shutil, subprocess, sys, textwrap, warnings
import pytest
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset

from warp_lca.dictionary import ConvDictionary
from warp_lca.data import photo_tiles
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.lca import LCAResult
from warp_lca.predictor import (WarpCNN, sparse_init, conv_layers, flops, lca_iteration_flops, StateScaler,
                                weighted_mse_laplace, plain_mse, load_starter, stored_dictionary)
from warp_lca.train_predictor import lca_states_dataset, train_predictor, validate_warm_start, plot_history
from warp_lca.warp import WarpLCA

TABLE3 = ([('conv1', 4, 512, 5, 1, 2), ('conv2', 512, 512, 5, 1, 2)] + [(f'conv{i}', 512, 512, 3, 1, 1) for i in (3, 4, 5, 6)]
          + [('adjust', 512, 256, 1, 1, 0)]
          + [r for b in 'du' for r in [(f'conv_{b}1', 512, 256, 3, 1, 1), (f'conv_{b}2', 256, 256, 3, 1, 1), (f'conv_{b}3', 256, 100, 3, 2, 1)]])


@pytest.fixture(scope='module')
def dic():
    return ConvDictionary.random(8, 3, 5, 2, seed=0)


@pytest.fixture(scope='module')
def ds(dic):
    imgs = photo_tiles()[:40, :, :16, :16]
    return lca_states_dataset(imgs, dic, (0.1, 0.3), iters=100, tau=10)


def train(ds, dic, out, **kw):
    kw = dict(width=8, epochs=1, batch_size=16, val_frac=0.1, progress=False, lca_kwargs=dict(tau=10)) | kw
    return train_predictor(ds, dic, out, **kw)


# --- architecture ---------------------------------------------------------------------------------------------------

def test_paper_layers():
    with torch.device('meta'): m = WarpCNN()  # defaults = paper: width 512, 100 atoms, RGB, stride 2
    assert conv_layers(m) == TABLE3
    bns = [(n, b.num_features) for n, b in m.named_modules() if isinstance(b, nn.BatchNorm2d)]
    assert bns == [(f'bn{i}', 512) for i in range(1, 7)] + [r for b in 'du' for r in [(f'bn_{b}1', 256), (f'bn_{b}2', 256), (f'bn_{b}3', 100)]]
    assert [type(x) for x in m.modules()].count(nn.Dropout) == 1 and m.dropout.p == 0.3


@pytest.mark.parametrize('H,W', [(32, 32), (33, 17), (15, 16)])
def test_output_shape(H, W):
    m = WarpCNN(width=8, n_atoms=10).eval()
    y = m(torch.randn(2, 3, H, W), 0.2)
    assert y.shape == (2, 10, -(-H // 2), -(-W // 2))
    assert ((y > 0) & (y < 1)).all()
    assert y.shape[-2:] == ConvDictionary.random(10).code_size((H, W))
    assert WarpCNN(8, 5, stride=3).eval()(torch.randn(1, 3, H, W), torch.tensor([0.1])).shape == (1, 5, -(-H // 3), -(-W // 3))


def test_lam_channel_matters():
    torch.manual_seed(0)
    m = WarpCNN(width=8, n_atoms=4, paper_init=False).eval()
    x = torch.randn(2, 3, 8, 8)
    assert not torch.allclose(m(x, 0.1), m(x, 0.9))
    assert torch.allclose(m(x, torch.tensor([0.1, 0.9]))[1], m(x[1:], 0.9)[0], atol=1e-6)


def test_sparse_init_matches_paper():
    def paper(m, sparsity=0.9, std=0.01):
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            with torch.no_grad():
                w = torch.randn(m.weight.size()) * std
                mask = torch.rand(m.weight.size()) > sparsity
                m.weight = nn.Parameter(w * mask.float())
                if m.bias is not None: m.bias.data.zero_()
    a, b = nn.Conv2d(16, 32, 3), nn.Conv2d(16, 32, 3)
    torch.manual_seed(1); paper(a)
    torch.manual_seed(1); p = b.weight; sparse_init(b)
    assert b.weight is p and torch.equal(a.weight.data, b.weight.data) and (b.bias == 0).all()
    assert 0.87 < float((b.weight == 0).float().mean()) < 0.93


def test_flops():
    d = ConvDictionary.random(100, seed=0)
    assert lca_iteration_flops(d, (32, 32)) == 2 * 100 * 3 * 81 * 256
    for w in (8, 64):
        m = WarpCNN(w, 100)
        assert flops(m) == 76800 * w * w + (4 * 25 * 1024 + 100 * 9 * 256) * w
    it = lca_iteration_flops(d)
    ok = []
    for w in (32, 64, 80, 86, 88, 128):
        with torch.device('meta'): m = WarpCNN(w, 100)
        if flops(m) <= 50 * it: ok.append(w)
    assert ok == [32, 64, 80, 86]


def test_bad_input():
    m = WarpCNN(8, 4)
    with pytest.raises(ValueError, match='channels'): m(torch.randn(1, 4, 8, 8), 0.1)
    with pytest.raises(ValueError, match='4 dims'): m(torch.randn(3, 8, 8), 0.1)
    with pytest.raises(ValueError, match='lam must be'): m(torch.randn(2, 3, 8, 8), torch.ones(3))
    with pytest.raises(ValueError, match='lam must be'): m(torch.randn(2, 3, 8, 8), float('nan'))
    with pytest.raises(ValueError, match='width must be even'): WarpCNN(7)
    with pytest.raises(ValueError, match='stride must be'): WarpCNN(8, stride=0)


# --- scaling and loss -----------------------------------------------------------------------------------------------

def test_scaler():
    torch.manual_seed(0)
    u = torch.randn(30, 6, 4, 4) ** 3
    for per_atom in (False, True):
        sc = StateScaler.fit(u, per_atom=per_atom)
        s = sc(u)
        assert s.min() >= 0 and s.max() <= 1
        inside = (s > 0) & (s < 1)
        assert torch.allclose(sc.inverse(s)[inside], u[inside], atol=1e-5)
        assert StateScaler.from_tensors(sc.to_tensors()).lo.shape == sc.lo.shape
    with pytest.raises(ValueError, match='hi must be'): StateScaler(1., 0.)


def test_weighted_loss_prefers_correct_active_units():
    torch.manual_seed(0)
    t = torch.rand(4, 8, 6, 6) * 0.4
    act = torch.rand_like(t) < 0.05
    t[act] = 0.6 + 0.4 * torch.rand(int(act.sum()))
    err = 0.2
    good, bad = t.clone(), t.clone()
    idx_in = (~act).nonzero()[: int(act.sum())]
    good[tuple(idx_in.T)] += err          # errs on as many inactive units
    bad[act] -= err                        # errs on the active units
    assert torch.allclose(plain_mse(good, t), plain_mse(bad, t))
    assert weighted_mse_laplace(bad, t, act) > 100 * weighted_mse_laplace(good, t, act)
    assert torch.allclose(weighted_mse_laplace(good, t, act, laplace_scale=None, nonzero_weight=1.), plain_mse(good, t))
    with pytest.raises(ValueError, match='same shape'): weighted_mse_laplace(t, t[0], act)


# --- training ---------------------------------------------------------------------------------------------------------

def test_dataset(ds, dic):
    x, lam, u = ds[0]
    assert x.shape == (3, 16, 16) and lam.ndim == 0 and u.shape == (8, 8, 8) and len(ds) == 80


def test_train_resume(ds, dic, tmp_path):
    r1 = train(ds, dic, tmp_path, epochs=1)
    assert r1.epochs_run == 1 and [h['epoch'] for h in r1.history] == [1] and r1.path.exists()
    ck = torch.load(tmp_path / 'checkpoint.pt', weights_only=True)
    assert ck['epoch'] == 1
    r2 = train(ds, dic, tmp_path, epochs=2)
    assert r2.epochs_run == 1 and [h['epoch'] for h in r2.history] == [1, 2]   # continued, not restarted
    assert r2.history[0] == r1.history[0]
    assert json.loads((tmp_path / 'history.json').read_text()) == r2.history
    r3 = train(ds, dic, tmp_path, epochs=2)                                      # nothing left to do
    assert r3.epochs_run == 0 and len(r3.history) == 2
    assert r2.lambdas == [0.1, 0.3]
    model = load_starter(r2.path)
    assert model.lambdas == [0.1, 0.3] and model.config()['width'] == 8 and stored_dictionary(r2.path).n_atoms == 8
    assert model.meta['solver']['tau'] == 10
    with pytest.raises(ValueError, match='different run'): train(ds, dic, tmp_path, width=16)
    r4 = train(ds, dic, tmp_path, width=16, epochs=1, resume=False)             # starts afresh
    assert r4.epochs_run == 1 and len(r4.history) == 1


def test_time_limit_mid_epoch(ds, dic, tmp_path):
    r = train(ds, dic, tmp_path, epochs=1, batch_size=8, max_minutes=1e-9)
    assert r.stopped == 'time_limit' and r.epochs_run == 0 and r.history == []
    ck = torch.load(tmp_path / 'checkpoint.pt', weights_only=True)
    assert ck['epoch'] == 0 and ck['step'] == 1                                  # stopped after one batch
    r = train(ds, dic, tmp_path, epochs=1, batch_size=8)
    assert r.stopped == 'epochs' and r.epochs_run == 1
    assert r.history[0]['n_train'] == 72 - 8                                     # the remaining batches only


def test_early_stopping(ds, dic, tmp_path):
    const = lambda pred, t, active: (pred * 0).sum() + 1.    # validation loss never improves
    r = train(ds, dic, tmp_path, epochs=10, patience=2, loss=const)
    assert r.stopped == 'early_stopping' and len(r.history) == 3 and r.best_epoch == 1


def test_validate_warm_start_and_plot(ds, dic, tmp_path):
    r = train(ds, dic, tmp_path, epochs=1, warm_start_iters=5, warm_start_n=4)
    assert 'val_psnr_warm' in r.history[0] and 'val_psnr_zero' in r.history[0]
    v = validate_warm_start(r.model, r.scaler, dic, ds, iters=5, n=6, tau=10)
    assert v['psnr_warm'].shape == (6,) and 0 <= v['summary']['frac_not_worse'] <= 1
    fig = plot_history(r.history)
    assert len(fig.data) == 5


def test_bad_training_args(ds, dic, tmp_path):
    with pytest.raises(ValueError, match='u must have shape'): train(ds, ConvDictionary.random(4, 3, 5, 2), tmp_path)
    with pytest.raises(ValueError, match='channels'): train(ds, ConvDictionary.random(8, 1, 5, 2), tmp_path)
    with pytest.raises(ValueError, match='loss must be'): train(ds, dic, tmp_path, loss='huber')
    with pytest.raises(ValueError, match='val_frac'): train(ds, dic, tmp_path, val_frac=1.5)


DDP_SCRIPT = textwrap.dedent('''
    import os, sys, torch
    from torch.utils.data import TensorDataset
    from warp_lca.dictionary import ConvDictionary
    from warp_lca.train_predictor import train_predictor
    d = torch.load(sys.argv[1], weights_only=True)
    ds = TensorDataset(d['x'], d['lam'], d['u'])
    r = train_predictor(ds, ConvDictionary(d['w'], 2), sys.argv[2], width=8, epochs=2, batch_size=8, val_frac=0.1,
                        progress=False, lca_kwargs=dict(tau=10))
    torch.save(dict(r.model.state_dict()), os.path.join(sys.argv[3], f"rank{os.environ['RANK']}.pt"))
''')


@pytest.mark.skipif(shutil.which('torchrun') is None, reason='torchrun not found')
def test_torchrun_two_cpu_processes(ds, dic, tmp_path):
    "Data-parallel training with 2 CPU processes (gloo): same weights on both ranks, one checkpoint, all data seen."
    x, lam, u = ds.tensors
    torch.save(dict(x=x, lam=lam, u=u, w=dic.weight.data), tmp_path / 'data.pt')
    (tmp_path / 'run.py').write_text(DDP_SCRIPT)
    (tmp_path / 'ranks').mkdir()
    env = os.environ | dict(OMP_NUM_THREADS='1')
    p = subprocess.run(['torchrun', '--standalone', '--nproc_per_node', '2', str(tmp_path / 'run.py'), str(tmp_path / 'data.pt'),
                        str(tmp_path / 'out'), str(tmp_path / 'ranks')], capture_output=True, text=True, timeout=180, env=env)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    s0, s1 = (torch.load(tmp_path / 'ranks' / f'rank{r}.pt', weights_only=True) for r in (0, 1))
    assert all(torch.equal(s0[k], s1[k]) for k in s0)
    hist = json.loads((tmp_path / 'out' / 'history.json').read_text())
    assert [h['epoch'] for h in hist] == [1, 2] and all(h['world_size'] == 2 for h in hist)
    assert hist[0]['n_train'] == 72                                            # 80 items - 8 validation, split over 2 ranks
    assert sorted(os.listdir(tmp_path / 'out')) == ['checkpoint.pt', 'history.json', 'predictor.safetensors']
    w = WarpLCA.load(tmp_path / 'out' / 'predictor.safetensors')
    assert w.lambdas == [0.1, 0.3]
    assert torch.equal(w.starter.state_dict()['conv1.weight'], s0['conv1.weight'])


# --- WARP-LCA ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def warp(ds, dic, tmp_path_factory):
    r = train(ds, dic, tmp_path_factory.mktemp('w'), epochs=1)
    return WarpLCA.load(r.path, iters=20, norm=CIFAR10_NORM)


def test_warp_lca(warp, ds, dic, tmp_path):
    x = torch.stack([ds[i][0] for i in range(4)])
    u0 = warp.predict_states(x, 0.1)
    assert u0.shape == (4, 8, 8, 8)
    assert warp.starter.training is False
    r = warp(x, 0.1)
    assert isinstance(r, LCAResult) and r.n_iters == 20
    assert torch.equal(warp(x, 0.1, iters=0).u, u0)
    assert warp(x, torch.tensor([0.1, 0.1, 0.3, 0.3]), iters=3).a.shape == (4, 8, 8, 8)
    c = warp.compare(x, 0.1, iters=5)
    assert c['warm']['psnr'].shape == (4,) and c['zero']['energy'].shape == (4,)
    warp.save(tmp_path / 'w.safetensors')
    w2 = WarpLCA.load(tmp_path / 'w.safetensors')
    assert torch.equal(w2.predict_states(x, 0.1), u0) and w2.defaults['iters'] == 20
    warp.save(tmp_path / 'nd.safetensors', include_dictionary=False)
    with pytest.raises(ValueError, match='pass dictionary='): WarpLCA.load(tmp_path / 'nd.safetensors')
    assert torch.equal(WarpLCA.load(tmp_path / 'nd.safetensors', dictionary=dic).predict_states(x, 0.1), u0)


def test_warp_bad_input(warp, dic):
    with pytest.raises(ValueError, match='n_atoms'): WarpLCA(dic, WarpCNN(8, 9))
    with pytest.raises(ValueError, match='stride'): WarpLCA(dic, WarpCNN(8, 8, stride=1))
    with pytest.raises(ValueError, match='in_channels'): WarpLCA(dic, WarpCNN(8, 8, in_channels=1))
    with pytest.raises(ValueError, match='scaler'): WarpCNN(8, 8).set_scaler(StateScaler(torch.zeros(3), torch.ones(3)))
    with pytest.raises(TypeError, match='starter must be'): WarpLCA(dic, nn.Conv2d(3, 8, 1))
    x = torch.randn(2, 3, 16, 16)
    with pytest.raises(ValueError, match='channels'): warp(x[:, :2], 0.1)
    with pytest.raises(ValueError, match='lam must be'): warp(x, -1.)
    with pytest.raises(ValueError, match='u0 is set'): warp(x, 0.1, u0=torch.zeros(2, 8, 8, 8))
    with pytest.warns(RuntimeWarning, match='outside the range'): warp.predict_states(x, 2.)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='no CUDA')
def test_warp_cuda(warp, ds):
    x = torch.stack([ds[i][0] for i in range(4)])
    r_cpu = warp(x, 0.1)
    wc = warp.to('cuda')
    try:
        r = wc(x.cuda(), 0.1)
        assert r.a.is_cuda and torch.allclose(r.recon.cpu(), r_cpu.recon, atol=1e-2)
    finally: warp.to('cpu')
