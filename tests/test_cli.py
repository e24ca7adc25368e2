"The installed `warp-lca` console script exits 0 after a successful command (its result is not an exit status)."
import shutil, subprocess
import pytest


@pytest.mark.skipif(shutil.which('warp-lca') is None, reason='the warp-lca console script is not installed (pip install -e .)')
def test_console_script_exit_status(tmp_path):
    r = subprocess.run(['warp-lca', 'demo', '--iters', '3', '--n-tiles', '2', '--out', str(tmp_path / 'r.html')],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / 'r.html').exists() and 'LCA' in r.stdout
    r = subprocess.run(['warp-lca', 'frobnicate'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and 'invalid choice' in r.stderr


# --- train-predictor --------------------------------------------------------------------------------------------------

def test_train_predictor_defaults_are_the_librarys():
    "Every option of train-predictor that is a TrainConfig field defaults to TrainConfig's value, or to None (the library decides)."
    from dataclasses import fields
    from warp_lca.cli import build_parser
    from warp_lca.train_predictor import TrainConfig
    sub = next(a for a in build_parser()._actions if a.dest == 'command').choices['train-predictor']
    c, names = TrainConfig(), {f.name for f in fields(TrainConfig)}
    shared = {a.dest: a.default for a in sub._actions if a.dest in names}
    assert len(shared) >= 15, sorted(shared)
    assert {k: v for k, v in shared.items() if v is not None and v != getattr(c, k)} == {}


@pytest.fixture(scope='module')
def encoding(tmp_path_factory):
    "16 photo tiles encoded at one λ by the accelerated solver, and the dictionary file."
    from warp_lca.data import photo_tiles
    from warp_lca.dictionary import ConvDictionary
    from warp_lca.encode import encode_dataset
    from warp_lca.metrics import CIFAR10_NORM
    t = tmp_path_factory.mktemp('enc')
    D = ConvDictionary.from_patches(CIFAR10_NORM(photo_tiles()), 12, 5, 2, seed=0); D.save(t / 'd.safetensors')
    encode_dataset(photo_tiles()[:16], D, [0.2], t / 'enc', iters=30, dataset='photos', progress=False)
    return t


def test_train_predictor_command_ff_refine(encoding, tmp_path):
    "--model ff with the refine loss: the starter's own defaults (lr of train_starter), the encoding's solver with --momentum overridden."
    import contextlib, io
    from warp_lca.cli import run
    from warp_lca.encode import read_manifest
    from warp_lca.predictor import load_starter
    args = ['train-predictor', '--encodings', str(encoding / 'enc'), '--dictionary', str(encoding / 'd.safetensors'), '--out', str(tmp_path),
            '--model', 'ff', '--width', '4', '--loss', 'refine', '--refine-iters', '2', '--momentum', '0', '--batch-size', '8', '--val-frac', '0.25']
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        r = run(args + ['--epochs', '1', '--max-minutes', '1e-9'])     # stops after the first batch, with a checkpoint
        assert r.stopped == 'time_limit' and r.history == []
        r = run(args + ['--epochs', '1'])                                # resumes the epoch
    m = load_starter(r.path)
    assert type(m).__name__ == 'FeedForwardStarter' and m.config()['width'] == 4 and r.history[0]['n_train'] == 12
    assert (m.meta['loss'], m.meta['loss_kwargs']['iters'], m.meta['train']['lr']) == ('refine', 2, 1e-3)
    assert m.meta['solver'] == dict(nonneg=True, tau=read_manifest(encoding / 'enc')['tau'], momentum=0., threshold='hard')
    with pytest.raises(SystemExit, match='--depth does not apply to --model warp'): run(args[:7] + ['--depth', '3'])


def test_train_predictor_init_fine_tunes(encoding, tmp_path):
    "--init: the file's model, weights and scaler are where fine-tuning starts (an 'mse' phase, then 'refine'); size options are refused."
    import contextlib, io, torch
    from warp_lca.cli import run
    from warp_lca.predictor import load_starter
    base = ['train-predictor', '--encodings', str(encoding / 'enc'), '--dictionary', str(encoding / 'd.safetensors'), '--batch-size', '8', '--val-frac', '0.25']
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        first = load_starter(run(base + ['--out', str(tmp_path / 'a'), '--model', 'ff', '--width', '4', '--loss', 'mse', '--epochs', '1']).path)
        from warp_lca.dictionary import ConvDictionary
        from warp_lca.warm_starters import FeedForwardStarter
        fresh = FeedForwardStarter.for_dictionary(ConvDictionary.load(encoding / 'd.safetensors'), width=4)
        assert not torch.equal(first.lo, fresh.lo)  # a new model's scaler is fitted on the encodings
        first.lo.mul_(0.5)  # a scaler no refit on the encodings would give
        first.save(tmp_path / 'a.safetensors', dictionary=None)
        r = run(base + ['--out', str(tmp_path / 'b'), '--init', str(tmp_path / 'a.safetensors'), '--loss', 'refine', '--refine-iters', '2', '--epochs', '1', '--lr', '1e-12'])
    m = load_starter(r.path)
    assert type(m).__name__ == 'FeedForwardStarter' and m.meta['loss'] == 'refine'
    torch.testing.assert_close(m.lo, first.lo)  # the file's scaler, not a refit one
    assert all(torch.allclose(p, q, atol=1e-6) for p, q in zip(m.parameters(), first.parameters()))  # lr 1e-12: the file's weights
    with pytest.raises(SystemExit, match='--width does not apply with --init'): run(base + ['--out', str(tmp_path / 'c'), '--init', str(tmp_path / 'a.safetensors'), '--width', '8'])

def test_python_m_runs_the_cli():
    "`python -m warp_lca.cli` (what `torchrun -m warp_lca.cli` launches) runs the command line."
    import sys
    r = subprocess.run([sys.executable, '-m', 'warp_lca.cli', 'train-predictor', '--help'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and '--refine-iters' in r.stdout


def test_encode_from_a_starter_and_best_of(encoding, tmp_path):
    "encode --starter (a trained starter file) and best-of: the merge keeps per image the lower of the two encodings' energies."
    import contextlib, io, torch
    from safetensors.torch import load_file
    from warp_lca.cli import run
    from warp_lca.encode import read_manifest, EncodedDataset
    d = str(encoding / 'd.safetensors')
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        st = run(['train-predictor', '--encodings', str(encoding / 'enc'), '--dictionary', d, '--out', str(tmp_path / 'st'), '--model', 'ff',
                  '--width', '4', '--epochs', '1', '--batch-size', '8', '--val-frac', '0.25']).path
        enc = ['encode', '--data', 'photos', '--n-images', '16', '--lams', '0.2', '--iters', '30', '--dictionary', d]
        run(enc + ['--out', str(tmp_path / 'zero')])
        run(enc + ['--out', str(tmp_path / 'warm'), '--starter', str(st)])
        share = run(['best-of', '--encodings', f"{tmp_path / 'zero'},{tmp_path / 'warm'}", '--out', str(tmp_path / 'best')])
    assert read_manifest(tmp_path / 'zero')['starter'] is None and read_manifest(tmp_path / 'warm')['starter'] is not None
    e = {k: load_file(str(tmp_path / k / 'shard_000000_lam0.safetensors'))['energy'] for k in ('zero', 'warm', 'best')}
    assert not torch.equal(e['zero'], e['warm'])                      # the start made a difference
    assert torch.equal(e['best'], torch.minimum(e['zero'], e['warm'])) and abs(sum(share) - 1) < 1e-6
    assert len(EncodedDataset(tmp_path / 'best')) == 16
    with pytest.raises(ValueError, match='starter and dictionary do not match'): run(enc + ['--out', str(tmp_path / 'x'), '--starter', 'v8'])
    train = ['train-predictor', '--dictionary', d, '--model', 'ff', '--width', '4', '--epochs', '1', '--batch-size', '8', '--val-frac', '0.25']
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        r = run(train + ['--encodings', f"{encoding / 'enc'},{tmp_path / 'best'}", '--out', str(tmp_path / 'both')])   # two folders, one run
        assert r.history[0]['n_train'] == 32 - 8 and r.lambdas == [0.2]
        run(enc + ['--out', str(tmp_path / 'plain'), '--momentum', '0'])
        with pytest.raises(SystemExit, match='different solvers'):
            run(train + ['--encodings', f"{tmp_path / 'zero'},{tmp_path / 'plain'}", '--out', str(tmp_path / 'mixed')])
