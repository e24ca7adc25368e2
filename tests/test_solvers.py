"ISTA / FISTA / IHT / closed form (warp_lca.solvers): checked against optimality conditions and LCA, not against themselves."
import inspect
import pytest
import torch
from warp_lca.dictionary import ConvDictionary
from warp_lca.lca import lca, DivergenceError
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.thresholds import penalty, prox_bruteforce, soft, hard
from warp_lca.solvers import ista, fista, iht, proximal, closed_form, closed_form_state


@torch.no_grad()
def kkt_violation(D, x, a, lam, nonneg, anchor=None, gamma=0.):
    "Largest violation of the optimality conditions of ½‖x−Φa‖² + λ‖a‖₁ (+ γ‖a−c‖²)."
    g = D.encode(x - D.decode(a, x.shape[-2:]))
    if anchor is not None: g = g - 2 * gamma * (a - anchor)
    on = a != 0
    assert on.any() and (~on).any()
    v_on = (g[on] - lam * torch.sign(a[on])).abs().max()
    v_off = ((g[~on] if nonneg else g[~on].abs()) - lam).clamp_min(0).max()
    return float(max(v_on, v_off))


@pytest.fixture(scope='module')
def small():
    D = ConvDictionary.random(8, 1, 5, 2, seed=1).double()
    x = torch.randn(2, 1, 13, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    return D, x, 0.3


@pytest.fixture(scope='module')
def photos():
    from warp_lca.data import photo_tiles
    t = photo_tiles()
    return t, CIFAR10_NORM(t), ConvDictionary.random(100, seed=0)


@pytest.mark.parametrize('nonneg', [False, True])
def test_same_lasso_minimiser(small, nonneg):
    D, x, lam = small
    a_ista = ista(x, D, lam, iters=20000, threshold='soft', nonneg=nonneg, tol=1e-14).a
    a_fista = fista(x, D, lam, iters=3000, threshold='soft', nonneg=nonneg).a
    a_lca = lca(x, D, lam, tau=D.op_norm_sq(), iters=20000, threshold='soft', nonneg=nonneg, tol=1e-14).a
    for a in (a_ista, a_fista, a_lca):
        assert kkt_violation(D, x, a, lam, nonneg) < 1e-7
        if nonneg: assert (a >= 0).all()
    torch.testing.assert_close(a_ista, a_lca, atol=1e-6, rtol=0)
    torch.testing.assert_close(a_fista, a_lca, atol=1e-6, rtol=0)


def test_fista_beats_ista(photos):
    _, x, D = photos
    x = x[:6]
    for n in (10, 50):
        e_i = ista(x, D, 0.15, iters=n, threshold='soft', trace_every=n).trace['energy'][-1]
        e_f = fista(x, D, 0.15, iters=n, threshold='soft', trace_every=n).trace['energy'][-1]
        assert (e_f < e_i).all()


def test_default_threshold_is_hard_as_in_lca(photos):
    "One default for every solver: 'hard' (the ℓ0 problem); the LASSO is `threshold='soft'`."
    _, x, D = photos
    x = x[:2]
    assert inspect.signature(lca).parameters['threshold'].default == 'hard'
    for solver in (ista, fista):
        a = solver(x, D, 0.2, iters=5).a
        torch.testing.assert_close(a, solver(x, D, 0.2, iters=5, threshold='hard').a, atol=0, rtol=0)
        assert not torch.equal(a, solver(x, D, 0.2, iters=5, threshold='soft').a)
    torch.testing.assert_close(iht(x, D, 0.2, iters=5).a, ista(x, D, 0.2, iters=5).a, atol=0, rtol=0)


def test_iht_signature_is_explicit():
    "iht lists every option of ista except the threshold (no **kwargs)."
    ps = inspect.signature(iht).parameters
    assert not any(p.kind == p.VAR_KEYWORD for p in ps.values())
    assert set(ps) == set(inspect.signature(ista).parameters) - {'threshold'}
    with pytest.raises(TypeError): iht(torch.zeros(1, 3, 16, 16), ConvDictionary.random(4, seed=0), 0.1, threshold='soft')


@pytest.mark.parametrize('name', ['soft', 'hard', 'half', 'cel0'])
@pytest.mark.parametrize('nonneg', [True, False])
def test_prox_of_scaled_penalty(name, nonneg):
    step, lam = 0.3, 0.8
    v = torch.linspace(-4, 4, 81, dtype=torch.float64)
    pen = lambda a, l: step * penalty(name)(a, l)
    ref, got = prox_bruteforce(v, pen, lam, nonneg), proximal(name, step)(v, lam, nonneg=nonneg)
    obj = lambda a: 0.5 * (a - v) ** 2 + pen(a, lam)
    assert (((ref - got).abs() < 2e-3) | ((obj(got) - obj(ref)).abs() < 1e-6)).all()


@pytest.mark.parametrize('thr', ['hard', 'half', 'cel0'])
def test_ista_monotone_nonconvex(photos, thr):
    _, x, D = photos
    e = ista(x[:2], D, 0.3, iters=20, threshold=thr, trace_every=1).trace['energy']
    assert (e[1:] <= e[:-1] + 1e-4 * e[:-1].abs()).all()


def test_warm_start_and_continuation(photos):
    _, x, D = photos
    x = x[:3]
    a = ista(x, D, 0.15, iters=20).a
    torch.testing.assert_close(ista(x, D, 0.15, iters=20, z0=a).a, ista(x, D, 0.15, iters=40).a, atol=1e-5, rtol=0)
    u = lca(x, D, 0.15, iters=20, threshold='soft').u
    torch.testing.assert_close(fista(x, D, 0.15, iters=0, u0=u, threshold='soft').a, soft(u, 0.15))
    torch.testing.assert_close(fista(x, D, 0.15, iters=0, u0=u).a, hard(u, 0.15))  # the default threshold
    seen = []
    r = fista(x, D, 0.15, iters=50, trace_every=10, callback=lambda res: seen.append(res.n_iters) or res.n_iters >= 20)
    assert seen == [0, 10, 20] and r.n_iters == 20 and r.trace['psnr'].shape == (3, 3)


def test_encoder_regularised(small):
    D, x, lam = small
    c = torch.relu(torch.randn(2, 8, 7, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(2)))
    dists = []
    for gamma in (0., 0.5, 5.):
        r = fista(x, D, lam, iters=3000, threshold='soft', anchor=c, anchor_weight=gamma)
        assert kkt_violation(D, x, r.a, lam, True, c, gamma) < 1e-7
        dists.append(float((r.a - c).norm()))
    assert dists[0] > dists[1] > dists[2]
    torch.testing.assert_close(fista(x, D, lam, iters=0, anchor=c, anchor_weight=1.).a, c)


def test_anchor_is_a_smooth_term(small):
    "anchor=c, anchor_weight=γ runs the iterations of smooth_grad=2γ(y − c), smooth_lipschitz=2γ from z0=c."
    D, x, lam = small
    c = torch.relu(torch.randn(2, 8, 7, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(3)))
    for thr in ('soft', 'hard'):
        a = fista(x, D, lam, iters=200, threshold=thr, anchor=c, anchor_weight=0.7).a
        b = fista(x, D, lam, iters=200, threshold=thr, z0=c, smooth_grad=lambda y: 1.4 * (y - c), smooth_lipschitz=1.4).a
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)


@pytest.mark.parametrize('solver', [ista, fista])
def test_smooth_term_elastic_net(small, solver):
    "A ridge term μ/2‖a‖² through smooth_grad: the elastic-net optimality conditions hold at the result."
    D, x, lam = small
    mu = 1.5
    r = solver(x, D, lam, iters=20000, threshold='soft', tol=1e-14, smooth_grad=lambda y: mu * y, smooth_lipschitz=mu)
    with torch.no_grad(): g = D.encode(x - D.decode(r.a, x.shape[-2:])) - mu * r.a
    on = r.a != 0
    assert on.any() and (~on).any()
    assert (g[on] - lam).abs().max() < 1e-7 and (g[~on] - lam).max() < 1e-7
    with pytest.raises(TypeError, match='smooth_grad must be a callable'): solver(x, D, lam, smooth_grad=1.)
    with pytest.raises(ValueError, match='smooth_lipschitz must be'): solver(x, D, lam, smooth_grad=lambda y: y, smooth_lipschitz=-1.)


def test_bad_input_and_divergence(photos):
    _, x, D = photos
    x = x[:2]
    with pytest.raises(ValueError, match='4 dims'): fista(x[0], D, 0.1)
    with pytest.raises(ValueError, match='lam must be'): ista(x, D, -1.)
    with pytest.raises(ValueError, match='z0 must have shape'): fista(x, D, 0.1, z0=torch.zeros(1, 100, 8, 8))
    with pytest.raises(ValueError, match='anchor must have shape'): fista(x, D, 0.1, anchor=torch.zeros(1, 100, 8, 8), anchor_weight=1.)
    with pytest.raises(ValueError, match='not both'): fista(x, D, 0.1, z0=torch.zeros(2, 100, 16, 16), u0=torch.zeros(2, 100, 16, 16))
    with pytest.raises(ValueError, match='step must be'): ista(x, D, 0.1, step=-1.)
    with pytest.raises(ValueError, match='threshold must be'): ista(x, D, 0.1, threshold='l7')
    with pytest.warns(RuntimeWarning, match='may diverge'):
        with pytest.raises(DivergenceError, match='smaller step'): ista(x, D, 0.01, step=1., iters=300)


def test_grad_reaches_dictionary_and_warm_start(photos):
    _, x, _ = photos
    D = ConvDictionary.random(100, seed=3)
    z0 = torch.zeros(1, 100, 16, 16, requires_grad=True)
    r = fista(x[:1], D, 0.05, iters=3, z0=z0, grad=True)
    (r.recon - x[:1]).pow(2).sum().backward()
    assert D.weight.grad.abs().sum() > 0 and z0.grad is not None


def test_closed_form_is_exact_for_orthonormal_atoms():
    D = ConvDictionary(torch.eye(3).view(3, 3, 1, 1), stride=1)
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(closed_form(x, D, 0.3), torch.relu(x - 0.3))
    for nonneg in (True, False):
        torch.testing.assert_close(closed_form(x, D, 0.3, nonneg=nonneg), fista(x, D, 0.3, iters=50, threshold='soft', nonneg=nonneg).a)
        torch.testing.assert_close(lca(x, D, 0.3, u0=closed_form_state(x, D, 0.3), iters=50, threshold='soft', nonneg=nonneg, tau=2.).a,
                                   closed_form(x, D, 0.3, nonneg=nonneg))  # Φᵀx is LCA's equilibrium


def test_closed_form_state_matches_activations(photos):
    _, x, D = photos
    x = x[:4]
    for sc in (1., 0.3, 'lsq'):
        u0 = closed_form_state(x, D, 0.15, scale=sc)
        torch.testing.assert_close(soft(u0, 0.15), closed_form(x, D, 0.15, scale=sc), atol=1e-5, rtol=0)
        assert torch.equal(hard(u0, 0.15) != 0, closed_form(x, D, 0.15) != 0)
    with pytest.raises(ValueError, match='scale must be'): closed_form(x, D, 0.15, scale=-1.)


@pytest.mark.parametrize('thr', ['soft', 'hard'])
def test_closed_form_lsq_beats_zero_init_at_iteration_0(photos, thr):
    _, x, D = photos
    kw = dict(iters=0, threshold=thr, trace_every=1, norm=CIFAR10_NORM)
    p_zero = lca(x, D, 0.15, **kw).trace['psnr'][0]
    p_cf = lca(x, D, 0.15, u0=closed_form_state(x, D, 0.15, scale='lsq', threshold=thr), **kw).trace['psnr'][0]
    p_raw = lca(x, D, 0.15, u0=closed_form_state(x, D, 0.15), **kw).trace['psnr'][0]
    assert (p_cf > p_zero).all()
    assert (p_raw < p_zero).all()  # the raw ReLU(Φᵀx − λ) overshoots with a non-orthogonal dictionary
