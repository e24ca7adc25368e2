"""Summary of a `warp-lca encode` folder (the training data of the predictor) → benchmarks/RESULTS.md.

The encodings themselves are large and stay out of git; this records what they hold and the command that re-creates them:

    warp-lca encode --data cifar10-train --n-images 3072 --lams 0.15,0.2,0.85 --out runs/cifar10_enc
    python benchmarks/encoding_summary.py [--path runs/cifar10_enc]

The λ set is the one the benchmarks evaluate (paper Table 1 / Fig. 2: 0.15, 0.2, 0.85); the predictor takes λ as an input
channel, so the λ sweep of Fig. 3 (0.3, 0.5) is interpolated, not trained on.
"""
import argparse, json
from collections import defaultdict
from pathlib import Path
from _results import HERE, machine, write_json, update_section
from warp_lca.encode import read_manifest, shard_summaries, dictionary_hash
from warp_lca.pretrained import cifar10_dictionary

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--path', default=str(HERE.parent / 'runs' / 'cifar10_enc'))
    a = ap.parse_args()
    m, shards = read_manifest(a.path), shard_summaries(a.path)
    by = defaultdict(list)
    for s in shards: by[s['lam']].append(s)
    size = sum(p.stat().st_size for p in Path(a.path).glob('shard_*.safetensors'))
    rows = {}
    for lam, ss in sorted(by.items()):
        keys = [k for k in ss[0] if k not in ('file', 'lam')]
        rows[lam] = dict(shards=len(ss), **{k: sum(s[k] for s in ss) / len(ss) for k in keys})  # shards hold equal image counts
    expected = -(-m['n_images'] // m['shard_size']) * len(m['lams'])
    data = dict(manifest=m, complete_shards=len(shards), expected_shards=expected, bytes=size, rows={str(k): v for k, v in rows.items()}, machine=machine())
    write_json('encoding_summary', data)
    L = ["## Encoded CIFAR-10 training images for the predictor (`benchmarks/encoding_summary.py`)", "",
         f"{m['n_images']} images of `{m['dataset']}` from index {m['start']}, hard-threshold LCA, {m['iters']} iterations, τ = {m['tau']}, "
         f"dictionary {m['dictionary']} ({'the shipped one' if m['dictionary'] == dictionary_hash(cifar10_dictionary()) else 'NOT the shipped one'}), states stored as {m['dtype']} with their exact support; "
         f"{len(shards)} of {expected} shards complete, {size / 2**20:.0f} MiB on disk (kept out of git).", "",
         "Re-create: `warp-lca encode --data cifar10-train --n-images 3072 --lams 0.15,0.2,0.85 --out runs/cifar10_enc` "
         "(about 37 min on one core of this machine; resumable; `torchrun --nproc_per_node N --no-python warp-lca encode ...` shards it).", "",
         "| λ | shards | " + " | ".join(k for k in next(iter(rows.values())) if k != 'shards') + " |",
         "|---|---|" + "---|" * (len(next(iter(rows.values()))) - 1)]
    for lam, r in rows.items():
        L.append(f"| {lam} | {r['shards']} | " + " | ".join(f"{v:.4g}" for k, v in r.items() if k != 'shards') + " |")
    L += ["", "The shipped predictor was trained on the first 1,536 of these images (the first 6 shards per λ); see `warp_lca.pretrained.WARP_COMMAND`."]
    update_section('encoding_summary', '\n'.join(L))
    print('\n'.join(L))

if __name__ == '__main__': main()
