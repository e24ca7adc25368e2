"Amortized warm starters (warp_lca.warm_starters): checked against ISTA/FISTA, autograd and the trainer, on tiny shapes."
import copy, math
import pytest
import torch
from warp_lca.dictionary import ConvDictionary
from warp_lca.lca import lca
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.solvers import ista, fista, closed_form_state
from warp_lca.predictor import WarpCNN, StateScaler, lca_iteration_flops, lca_iterations, load_starter, stored_dictionary
import warp_lca.predictor as P
from warp_lca.encode import check_encoding_complete
from warp_lca.evaluate import run_dataset, Method
from warp_lca.warm_starters import ClosedFormStarter, ConvLISTA, FeedForwardStarter, shrink, train_starter


@pytest.fixture(scope='module')
def tiles():
    from warp_lca.data import photo_tiles
    return photo_tiles()


@pytest.fixture(scope='module')
def D(tiles):
    return ConvDictionary.from_patches(CIFAR10_NORM(tiles), 12, 5, 2, seed=0)


@pytest.fixture(scope='module')
def encodings(tmp_path_factory, tiles, D):
    "A tiny on-disk encoding (the format of the lead's runs/cifar10_enc): 24 photo tiles at two λ."
    from warp_lca.encode import encode_dataset, EncodedDataset
    out = tmp_path_factory.mktemp('enc')
    tau = math.ceil(D.op_norm_sq() / 2) + 1
    encode_dataset(tiles[:24], D, [0.1, 0.3], out, iters=150, tau=tau, shard_size=12, batch_size=12, dataset='photos', progress=False)
    return EncodedDataset(out, images=tiles[:24]), tau


def test_check_encoding_complete(encodings, tmp_path):
    ds, _ = encodings
    assert check_encoding_complete(ds.path) == 4  # 2 shards × 2 λ
    import shutil
    part = tmp_path / 'part'; shutil.copytree(ds.path, part)
    (part / 'shard_000001_lam0.safetensors').unlink()
    with pytest.raises(ValueError, match='1 of 4 shards still missing'): check_encoding_complete(part)


def test_untrained_lista_is_ista():
    Dd = ConvDictionary.random(8, 1, 5, 2, seed=1).double()
    x = torch.randn(3, 1, 13, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for K in (1, 2, 4):
        for nonneg in (True, False):
            net = ConvLISTA(Dd, K, nonneg=nonneg)
            r = ista(x, Dd, 0.2, iters=K, nonneg=nonneg, threshold='soft')
            torch.testing.assert_close(net.codes(x, 0.2), r.a, atol=1e-10, rtol=0)
            u = net.predict_states(x, 0.2)
            torch.testing.assert_close(u, r.a + Dd.encode(x - Dd.decode(r.a, x.shape[-2:])), atol=1e-10, rtol=0)  # LCA state of the code


def test_lista_lambda_per_image_and_grad(D, tiles):
    x = CIFAR10_NORM(tiles[:3])
    net = ConvLISTA(D, 2)
    lv = torch.tensor([0.05, 0.2, 0.6])
    u = net.predict_states(x, lv)
    for i in range(3): torch.testing.assert_close(u[i:i+1], net.predict_states(x[i:i+1], float(lv[i])), atol=1e-5, rtol=1e-5)
    net(x, lv).sum().backward()
    for n, p in net.named_parameters(): assert p.grad is not None and p.grad.abs().sum() > 0, n


@pytest.mark.parametrize('make', [lambda D: ClosedFormStarter(D), lambda D: ConvLISTA(D, 2), lambda D: FeedForwardStarter.for_dictionary(D, width=4)])
def test_interface(make, D, tiles):
    st = make(D)
    x = CIFAR10_NORM(tiles[:4])
    for size in ((32, 32), (17, 13)):
        u = st.predict_states(x[..., :size[0], :size[1]], 0.2)
        assert u.shape == (4, D.n_atoms, *D.code_size(size)) and torch.isfinite(u).all()
    u = st.predict_states(x, 0.2)
    # usable as LCA's u0 and as FISTA's u0 (which starts from T(u0))
    assert lca(x, D, 0.2, iters=2, u0=u, warn=False).n_iters == 2
    r = fista(x, D, 0.2, iters=0, threshold='hard', u0=u)
    torch.testing.assert_close(r.a, torch.where(u > 0.2, u, 0.))
    # forward is in the trainer's scaled space: scaler.inverse(forward) = predict_states
    st.set_scaler(StateScaler(-0.5, 2.))
    with torch.no_grad(): torch.testing.assert_close(st.scaler.inverse(st(x, 0.2)), st.predict_states(x, 0.2), atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match='channels'): st.predict_states(x[:, :2], 0.2)
    with pytest.raises(ValueError, match='lam must be'): st.predict_states(x, torch.ones(3))
    with pytest.raises(ValueError, match='4 dims'): st.predict_states(x[0], 0.2)
    st.train(); st.predict_states(x, 0.2); assert st.training  # predict_states restores the mode


def test_closed_form_starter(D, tiles):
    x = CIFAR10_NORM(tiles[:5])
    for scale, thr in (('lsq', 'hard'), ('lsq', 'soft'), (1., 'soft'), (0.3, 'hard')):
        torch.testing.assert_close(ClosedFormStarter(D, scale, thr).predict_states(x, 0.15), closed_form_state(x, D, 0.15, scale=scale, threshold=thr))
    Dc = copy.deepcopy(D); st = ClosedFormStarter(Dc); u = st.predict_states(x, 0.15)
    Dc.weight.data.mul_(2.0)  # the starter holds a copy: changing (or moving) the caller's dictionary does not touch it
    assert torch.equal(st.predict_states(x, 0.15), u) and not st.dictionary.weight.requires_grad
    with pytest.raises(ValueError, match='nothing to train'): train_starter(st, None, D, '/nonexistent')


def test_flops(D):
    from torch.utils.flop_counter import FlopCounterMode
    Dp = ConvDictionary.random(100, seed=0)
    it = lca_iteration_flops(Dp)
    assert lca_iterations(ClosedFormStarter(Dp), Dp) == 1.5 and lca_iterations(ClosedFormStarter(Dp, scale=1.), Dp) == 0.5
    for K in (1, 3):
        assert ConvLISTA(Dp, K).flops() == (1 + 2 * K) * it // 2
        with FlopCounterMode(display=False) as fc: ConvLISTA(Dp, K).predict_states(torch.zeros(1, 3, 32, 32), 0.1)
        assert abs(fc.get_total_flops() / 2 - ConvLISTA(Dp, K).flops() * 100 / 81) < 1  # polyphase: 9×9 padded to 10×10
    ff = FeedForwardStarter(width=32)
    with FlopCounterMode(display=False) as fc: ff.predict_states(torch.zeros(1, 3, 32, 32), 0.1)
    assert fc.get_total_flops() // 2 == ff.flops()
    assert 1.5 < lca_iterations(ff, Dp) < 1.7
    with torch.device('meta'): w = WarpCNN(64, 100)
    assert w.flops() == P.flops(w)


def test_train_starter_on_encodings(encodings, D, tmp_path):
    ds, tau = encodings
    x = torch.stack([ds[i][0] for i in range(len(ds))]); lam = torch.stack([ds[i][1] for i in range(len(ds))]).float()
    for make in (lambda: ConvLISTA(D, 2), lambda: FeedForwardStarter.for_dictionary(D, width=8)):
        torch.manual_seed(0)
        st = make(); st0 = copy.deepcopy(st)
        r = train_starter(st, ds, D, tmp_path / type(st).__name__, epochs=6, batch_size=8, val_frac=0.2, progress=False,
                          solver=dict(tau=tau), warm_start_iters=5, warm_start_n=8)
        assert r.model is st and not st.training
        assert r.history[-1]['val_loss'] < r.history[0]['val_loss'] and 'val_psnr_warm' in r.history[-1]
        torch.testing.assert_close(st.lo.flatten()[0], r.scaler.lo.flatten()[0])  # the trainer's scaler is the starter's
        # trained beats untrained: the active set of the predicted states, and (LISTA) LCA's energy after a few iterations
        u = torch.stack([ds[i][2] for i in range(len(ds))])
        f1 = lambda s: P.f1_score(P.active_counts(s.predict_states(x, lam), u, lam))
        assert f1(st) > f1(st0), (f1(st), f1(st0))
        if isinstance(st, ConvLISTA):
            e = lambda s: lca(x, D, lam, tau=tau, iters=5, u0=s.predict_states(x, lam), trace_every=5, warn=False).trace['energy'][-1].mean()
            assert e(st) < e(st0)
        m = load_starter(r.path)
        assert type(m) is type(st) and m.lambdas == [0.1, 0.3] and torch.equal(stored_dictionary(r.path).weight, D.weight)
        torch.testing.assert_close(m.predict_states(x[:3], 0.3), st.predict_states(x[:3], 0.3))
        # resume: more epochs continue the history
        r2 = train_starter(m, ds, D, tmp_path / type(st).__name__, epochs=7, batch_size=8, val_frac=0.2, progress=False, solver=dict(tau=tau))
        assert [h['epoch'] for h in r2.history] == list(range(1, 8)) and r2.epochs_run == 1
    with pytest.raises(ValueError, match='different run'):
        train_starter(ConvLISTA(D, 3), ds, D, tmp_path / 'ConvLISTA', epochs=9, batch_size=8, val_frac=0.2, progress=False)
    with pytest.raises(ValueError, match='do not match'): train_starter(ConvLISTA(ConvDictionary.random(5, 3, 5, 2)), ds, D, tmp_path / 'x')
    with pytest.raises(ValueError, match='WARP-CNN setting'): train_starter(ConvLISTA(D), ds, D, tmp_path / 'x', width=8)


def test_save_load_roundtrip(D, tiles, tmp_path):
    x = CIFAR10_NORM(tiles[:2])
    for st in (ClosedFormStarter(D, scale=0.7, threshold='soft'), ConvLISTA(D, 2, nonneg=False), FeedForwardStarter.for_dictionary(D, width=4, depth=3, kernel_size=3)):
        with torch.no_grad():
            for p in st.parameters(): p.add_(0.01 * torch.randn_like(p)) if p.requires_grad else None
        st.set_scaler(StateScaler(torch.linspace(-1, 0, D.n_atoms), torch.linspace(1, 2, D.n_atoms)))
        st.save(tmp_path / 's.safetensors', note='x')
        m = load_starter(tmp_path / 's.safetensors')
        assert stored_dictionary(tmp_path / 's.safetensors') is None and m.meta['note'] == 'x' and m.config() == st.config()
        torch.testing.assert_close(m.predict_states(x, 0.2), st.predict_states(x, 0.2))
        torch.testing.assert_close(m(x, 0.2), st(x, 0.2))
    D.save(tmp_path / 'd.safetensors')
    with pytest.raises(ValueError, match='not a warm starter'): load_starter(tmp_path / 'd.safetensors')


def test_any_solver_from_any_starter(D, tiles):
    "The one dataset path runs FISTA from a starter exactly as a direct call does."
    x = CIFAR10_NORM(tiles[:6]); st = ClosedFormStarter(D)
    f = run_dataset(x, D, 0.2, Method('fista', st, dict(threshold='hard')), iters=12, batch_size=4, progress=False)
    ref = fista(x, D, 0.2, iters=12, threshold='hard', u0=st.predict_states(x, 0.2), trace_every=f['iters'], norm=CIFAR10_NORM)
    torch.testing.assert_close(f['trace']['energy'], ref.trace['energy'], atol=1e-3, rtol=1e-5)
    with pytest.raises(ValueError, match='solver must be'): run_dataset(x, D, 0.2, Method('nope'), progress=False)


def test_shrink():
    v = torch.tensor([-2., -0.5, 0.5, 3.])
    assert torch.equal(shrink(v, 1.), torch.tensor([0., 0., 0., 2.]))
    assert torch.equal(shrink(v, 1., nonneg=False), torch.tensor([-1., 0., 0., 2.]))


def test_load_starter_without_importing_warm_starters(D, tmp_path):
    "A feed-forward starter file loads in a fresh process that imported only `warp_lca.predictor` (the registry fills itself)."
    import subprocess, sys
    FeedForwardStarter.for_dictionary(D, width=4).save(tmp_path / 'ff.safetensors', dictionary=D)
    code = f"from warp_lca.predictor import load_starter; print(type(load_starter({str(tmp_path / 'ff.safetensors')!r})).__name__)"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == 'FeedForwardStarter', r.stderr[-2000:]
