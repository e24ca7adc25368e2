"""Fast tests of warp_lca.train_predictor (CPU, tiny shapes): the configuration, the losses, the training steps, resume, time limit, DDP."""
import json, os, shutil, subprocess, sys, textwrap
import pytest
import torch
from torch.utils.data import TensorDataset

from warp_lca.dictionary import ConvDictionary
from warp_lca.data import photo_tiles
from warp_lca.predictor import WarpCNN, StateScaler, load_starter, stored_dictionary
from warp_lca.warm_starters import FeedForwardStarter
from warp_lca.warp import WarpLCA
from warp_lca.train_predictor import (lca_states_dataset, train_predictor, validate_warm_start, plot_history, TrainConfig, Batch,
                                      LossContext, weighted_mse_laplace, plain_mse, mse_loss, refine_loss, unroll, state_distance,
                                      relative_energy)

SOLVER = dict(tau=10, momentum=0.)  # the solver that made the states below


# `dic` and `ds` (the states of 40 photo tiles, made with `SOLVER`): tests/conftest.py


def train(ds, dic, out, **kw):
    "A few seconds of training: a width-8 WARP-CNN unless a model is given."
    kw = dict(epochs=1, batch_size=16, val_frac=0.1, progress=False, solver=SOLVER) | ({} if 'model' in kw else dict(width=8)) | kw
    return train_predictor(ds, dic, out, **kw)


def batch_of(ds, dic, n=6):
    x, lam, u = (torch.stack([ds[i][k] for i in range(n)]) for k in range(3))
    sc = StateScaler.fit(u, q=(0, 1))
    return Batch.of(x, lam, u, sc), LossContext(ConvDictionary(dic.weight, dic.stride).requires_grad_(False), sc, dict(SOLVER, threshold='hard', nonneg=True))


# --- the configuration ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('field,value', [('epochs', -1), ('batch_size', 0), ('lr', 0.), ('val_frac', 1.5), ('patience', 0), ('width', 7),
                                         ('dropout', 1.), ('loss', 'huber'), ('active_weight', -1.), ('refine_iters', -2), ('warm_start_n', 0),
                                         ('scaler_q', (0.9, 0.1)), ('max_minutes', 0), ('resume', 'yes')])
def test_config_names_the_bad_field(field, value):
    with pytest.raises(ValueError, match=f'^{field} must be'): TrainConfig(**{field: value})


def test_config_solver_and_loss_settings():
    c = TrainConfig(loss='refine', refine_iters=4, active_weight=2., loss_kwargs=dict(energy_weight=0.), solver=dict(momentum=0.))
    assert c.solver == dict(tau='auto', momentum=0., threshold='hard')                      # over the defaults
    assert c.loss_settings() == dict(energy_weight=0., active_weight=2., iters=4)
    assert TrainConfig.make(c, solver=dict(tau=5.)).solver['momentum'] == 0.               # merged into the config's solver
    assert json.loads(json.dumps(c.to_dict()))['solver']['tau'] == 'auto'
    with pytest.raises(ValueError, match=r"solver\['tau'\] must be"): TrainConfig(solver=dict(tau=0.5))
    with pytest.raises(ValueError, match='solver: unknown setting'): TrainConfig(solver=dict(iters=3))
    with pytest.raises(ValueError, match="active_weight: loss 'mse' has no setting"): TrainConfig(loss='mse', active_weight=3.)
    with pytest.raises(ValueError, match="loss_kwargs: set 'iters' with TrainConfig.refine_iters"): TrainConfig(loss='refine', loss_kwargs=dict(iters=3))
    with pytest.raises(TypeError, match=r"unknown training setting\(s\) \['epoch'\]"): TrainConfig.make(epoch=2)
    with pytest.warns(DeprecationWarning, match='solver='): assert TrainConfig.make(lca_kwargs=dict(tau=7.)).solver['tau'] == 7.


# --- the losses -------------------------------------------------------------------------------------------------------

def test_weighted_loss_prefers_correct_active_units():
    torch.manual_seed(0)
    t = torch.rand(4, 8, 6, 6) * 0.4
    act = torch.rand_like(t) < 0.05
    t[act] = 0.6 + 0.4 * torch.rand(int(act.sum()))
    good, bad = t.clone(), t.clone()
    good[tuple((~act).nonzero()[: int(act.sum())].T)] += 0.2    # errs on as many inactive units
    bad[act] -= 0.2                                              # errs on the active units
    assert torch.allclose(plain_mse(good, t), plain_mse(bad, t))
    assert weighted_mse_laplace(bad, t, act) > 100 * weighted_mse_laplace(good, t, act)
    assert torch.allclose(weighted_mse_laplace(good, t, act, active_weight=1., laplace_scale=None), plain_mse(good, t))
    with pytest.raises(ValueError, match='same shape'): weighted_mse_laplace(t, t[0], act)


def test_loss_interface_in_training_and_validation(ds, dic, tmp_path):
    "A callable loss gets the prediction, the batch (active mask and scaled targets included), the run's context and its settings."
    calls = []
    def probe(pred, batch, ctx, scale=1.):
        calls.append(dict(grad=torch.is_grad_enabled(), B=len(batch.x), active_ok=bool(torch.equal(batch.active, batch.u > batch.lam.view(-1, 1, 1, 1))),
                          target_ok=bool(torch.equal(batch.target, ctx.scaler(batch.u))), solver=ctx.solver, scale=scale,
                          frozen=not ctx.dictionary.weight.requires_grad, shape=tuple(pred.shape)))
        return scale * mse_loss(pred, batch, ctx)
    r = train(ds, dic, tmp_path, loss=probe, loss_kwargs=dict(scale=2.), batch_size=32)
    assert [c['grad'] for c in calls] == [True, True, True, False] and [c['B'] for c in calls] == [32, 32, 8, 8]   # 72 train, 8 val items
    assert all(c['active_ok'] and c['target_ok'] and c['frozen'] and c['scale'] == 2. and c['shape'][1:] == (8, 8, 8) for c in calls)
    assert calls[0]['solver'] == dict(nonneg=True, tau=10, momentum=0., threshold='hard')
    assert load_starter(r.path).meta['loss'] == 'probe'


def test_refine_gradient_reaches_the_starter_through_the_solver(ds, dic):
    b, ctx = batch_of(ds, dic)
    torch.manual_seed(0)
    st = FeedForwardStarter.for_dictionary(dic, width=4).set_scaler(ctx.scaler)
    grads = {}
    for K in (0, 5):
        st.zero_grad()
        refine_loss(st(b.x, b.lam), b, ctx, iters=K, energy_weight=0., mse_weight=0.).backward()
        grads[K] = [p.grad.clone() for p in st.parameters()]
    assert all(g.abs().sum() > 0 for g in grads[5])
    assert not all(torch.allclose(g0, g5) for g0, g5 in zip(grads[0], grads[5]))     # the unrolled steps change it
    with torch.no_grad(): assert float(refine_loss(b.target, b, ctx, iters=0)) < 1e-10  # nothing to refine at the target


@pytest.mark.parametrize('momentum', [0., 0.95])
def test_refine_prefers_a_prediction_that_converges(momentum):
    "Equal state MSE; one prediction is another fixed point of LCA (mass moved to a twin atom), the other decays to the target."
    Dd = ConvDictionary.random(8, 3, 5, 2, seed=1).requires_grad_(False)
    Dd.weight[7] = Dd.weight[0]
    a = torch.zeros(1, 8, 6, 6); a[0, 0, 2, 2], a[0, 3, 4, 1] = 2., 1.5
    sc = StateScaler(-1., 3.)
    b = Batch.of(Dd.decode(a, (12, 12)), torch.tensor([0.3]), a, sc)          # x = Φa*: u* = a* is a fixed point
    ctx = LossContext(Dd, sc, dict(tau='auto', momentum=momentum, threshold='hard', nonneg=True))
    moved, decays = a.clone(), a.clone()
    moved[0, 0, 2, 2] -= 0.5; moved[0, 7, 2, 2] += 0.5
    decays[0, 1, 0, 0] -= 0.5; decays[0, 2, 5, 5] -= 0.5
    p_moved, p_decays = sc(moved), sc(decays)
    assert torch.allclose(mse_loss(p_moved, b, ctx), mse_loss(p_decays, b, ctx))
    assert refine_loss(p_decays, b, ctx) < refine_loss(p_moved, b, ctx)
    rm, rd = unroll(p_moved, b, ctx, 10), unroll(p_decays, b, ctx, 10)
    assert state_distance(rd.u, b, sc) < 0.01 * state_distance(rm.u, b, sc) and relative_energy(rd, b, ctx) < relative_energy(rm, b, ctx)


# --- training ---------------------------------------------------------------------------------------------------------

def test_dataset(ds, dic):
    x, lam, u = ds[0]
    assert x.shape == (3, 16, 16) and lam.ndim == 0 and u.shape == (8, 8, 8) and len(ds) == 80


def test_train_resume(ds, dic, tmp_path):
    r1 = train(ds, dic, tmp_path, epochs=1)
    assert r1.epochs_run == 1 and [h['epoch'] for h in r1.history] == [1] and r1.path.exists()
    assert torch.load(tmp_path / 'checkpoint.pt', weights_only=True)['progress']['epoch'] == 1
    r2 = train(ds, dic, tmp_path, epochs=2)
    assert r2.epochs_run == 1 and [h['epoch'] for h in r2.history] == [1, 2]   # continued, not restarted
    assert r2.history[0] == r1.history[0]
    assert json.loads((tmp_path / 'history.json').read_text()) == r2.history
    r3 = train(ds, dic, tmp_path, epochs=2)                                      # nothing left to do
    assert r3.epochs_run == 0 and len(r3.history) == 2
    model = load_starter(r2.path)
    assert model.lambdas == [0.1, 0.3] and model.config()['width'] == 8 and stored_dictionary(r2.path).n_atoms == 8
    with pytest.raises(ValueError, match='different run'): train(ds, dic, tmp_path, width=16)
    with pytest.raises(ValueError, match='different run'): train(ds, dic, tmp_path, model=FeedForwardStarter.for_dictionary(dic, width=8))
    r4 = train(ds, dic, tmp_path, width=16, epochs=1, resume=False)             # starts afresh
    assert r4.epochs_run == 1 and len(r4.history) == 1


def test_time_limit_mid_epoch(ds, dic, tmp_path):
    r = train(ds, dic, tmp_path, epochs=1, batch_size=8, max_minutes=1e-9)
    assert r.stopped == 'time_limit' and r.epochs_run == 0 and r.history == []
    p = torch.load(tmp_path / 'checkpoint.pt', weights_only=True)['progress']
    assert p['epoch'] == 0 and p['step'] == 1                                     # stopped after one batch
    assert p['partial'][1] == 8 and p['partial'][0] > 0 and p['partial_seconds'] > 0   # its loss sum, items and seconds are kept
    r = train(ds, dic, tmp_path, epochs=1, batch_size=8)
    assert r.stopped == 'epochs' and r.epochs_run == 1
    h = r.history[0]
    assert h['n_train'] == 72 and h['seconds'] > p['partial_seconds']           # the whole epoch, the stopped part included
    assert torch.load(tmp_path / 'checkpoint.pt', weights_only=True)['progress']['partial'] == []


def test_resumed_epoch_history_equals_uninterrupted(ds, dic, tmp_path):
    "An epoch stopped after one batch and resumed records the same training loss as the same epoch run in one go (same seed, same batches)."
    kw = dict(epochs=1, batch_size=8, dropout=0.)                                 # no dropout: the resumed run draws no other masks
    whole = train(ds, dic, tmp_path / 'a', **kw).history[0]
    train(ds, dic, tmp_path / 'b', max_minutes=1e-9, **kw)
    split = train(ds, dic, tmp_path / 'b', **kw).history[0]
    assert split['n_train'] == whole['n_train'] == 72
    assert abs(split['train_loss'] - whole['train_loss']) <= 1e-6 * abs(whole['train_loss'])


def test_early_stopping(ds, dic, tmp_path):
    const = lambda pred, batch, ctx: (pred * 0).sum() + 1.    # the validation loss never improves
    r = train(ds, dic, tmp_path, epochs=10, patience=2, loss=const)
    assert r.stopped == 'early_stopping' and len(r.history) == 3 and r.best_epoch == 1


def test_refine_training_and_the_final_file(ds, dic, tmp_path):
    r = train(ds, dic, tmp_path, epochs=2, loss='refine', refine_iters=3, warm_start_iters=5, warm_start_n=4)
    assert all(torch.isfinite(torch.tensor(h['val_loss'])) for h in r.history) and 'val_psnr_warm' in r.history[-1]
    m = load_starter(r.path)
    assert (m.meta['loss'], m.meta['loss_kwargs'], m.meta['epochs'], m.meta['best_epoch']) == ('refine', dict(iters=3), 2, r.best_epoch)
    assert m.meta['solver'] == dict(nonneg=True, tau=10, momentum=0., threshold='hard') and m.meta['train']['refine_iters'] == 3
    assert m.meta['history']['epochs'] == 2 and m.meta['history']['last'] == r.history[-1]
    w = WarpLCA.load(r.path)                                                     # serves the solver it was trained for
    assert (w.defaults['tau'], w.defaults['momentum']) == (10, 0.)


def test_validate_warm_start_and_plot(ds, dic, tmp_path):
    r = train(ds, dic, tmp_path, epochs=1, warm_start_iters=5, warm_start_n=4)
    v = validate_warm_start(r.model, r.scaler, dic, ds, iters=5, n=6, **SOLVER)
    assert v['psnr_warm'].shape == (6,) and 0 <= v['summary']['frac_not_worse'] <= 1
    assert len(plot_history(r.history).data) == 5


def test_bad_training_args(ds, dic, tmp_path):
    with pytest.raises(ValueError, match='u must have shape'): train(ds, ConvDictionary.random(4, 3, 5, 2), tmp_path)
    with pytest.raises(ValueError, match='channels'): train(ds, ConvDictionary.random(8, 1, 5, 2), tmp_path)
    with pytest.raises(TypeError, match='model must be a WarmStarter'): train(ds, dic, tmp_path, model=torch.nn.Conv2d(3, 8, 1))
    with pytest.raises(ValueError, match='WARP-CNN setting'): train(ds, dic, tmp_path, width=8, model=FeedForwardStarter.for_dictionary(dic))
    with pytest.raises(ValueError, match='cannot be shared'): train(TensorDataset(*ds[:2]), dic, tmp_path, val_frac=0.9)


DDP_SCRIPT = textwrap.dedent('''
    import os, sys, torch
    from torch.utils.data import TensorDataset
    from warp_lca.dictionary import ConvDictionary
    from warp_lca.train_predictor import train_predictor
    d = torch.load(sys.argv[1], weights_only=True)
    ds = TensorDataset(d['x'], d['lam'], d['u'])
    r = train_predictor(ds, ConvDictionary(d['w'], 2), sys.argv[2], width=8, epochs=2, batch_size=8, val_frac=0.1,
                        progress=False, solver=dict(tau=10, momentum=0.))
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
