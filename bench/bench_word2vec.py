"""word2vec on Tiny Shakespeare + rt-polarity: Lamina against gensim (throughput and agreement).

Corpus: every non-empty line of Tiny Shakespeare and every rt-polarity sentence, tokenised with
lamina.data.text.tokenize (43,439 sentences, 487,732 words; 7,108 words with min_count=5). Settings (both
sides): vector_size=100, window=5, min_count=5, negative=5, sample=1e-3, alpha 0.025 -> 0.0001, 5 epochs,
skip-gram and CBOW.

    python bench/bench_word2vec.py                 # both architectures, gensim with workers=3 and workers=1
    python bench/bench_word2vec.py --sg 1 --epochs 2

Throughput: words per second as gensim counts them, effective words (after frequent-word subsampling) over
the seconds spent in train(). Each library trains in its own fresh process; the processes take turns, one
epoch each in ABBA order (the epochs' learning rates are those of one 5-epoch run: train(epochs=1,
start_alpha, end_alpha)), with a pause between turns, so that a shared machine's slow spells hit both sides
alike. OPENBLAS_NUM_THREADS and OMP_NUM_THREADS default to 1 (Lamina's step is one thread of NumPy); gensim's
`workers` threads are its own (Cython, GIL released), not BLAS's.

Agreement of two models: the Spearman correlation of their cosine similarities over 2,000 random pairs of the
1,000 most frequent words, and the mean overlap of their top-10 nearest-neighbour lists (whole vocabulary,
the word itself excluded) for the 200 most frequent words. Reference: two gensim runs with seeds 1 and 2.

Measured on the 2-core development machine, 2026-12-03, while four other sessions kept it loaded (load
average ~6: the absolute rates are pessimistic and vary by up to 2x between runs; the turns share the slow spells
between the sides). `python bench/bench_word2vec.py`:

                          words/s  Lamina/gensim     agreement            Spearman  top-10 overlap
    skip-gram  Lamina      50,836                    gensim 1 vs gensim 2    0.980  0.630
               gensim w3  128,490  0.40              gensim w3 vs w1         0.981  0.638
               gensim w1  128,970  0.39              Lamina vs gensim 1      0.969  0.601
                                                     Lamina vs gensim 2      0.968  0.598
                                                     Lamina 1 vs Lamina 2    0.986  0.677
    CBOW       Lamina     124,403                    gensim 1 vs gensim 2    0.972  0.583
               gensim w3  360,662  0.34              gensim w3 vs w1         0.974  0.589
               gensim w1  332,293  0.37              Lamina vs gensim 1      0.971  0.591
                                                     Lamina vs gensim 2      0.974  0.579
                                                     Lamina 1 vs Lamina 2    0.982  0.648

CBOW agrees with gensim as well as gensim with itself. Skip-gram comes within 0.012 (Spearman) and 0.03
(overlap) of it; Lamina's own runs agree with each other more than gensim's do, so the gap is a small
systematic difference (batched updates; its noise words, lamina/kernels/word2vec.py), not extra noise.
Other runs of the same code: ratios 0.36-0.44 (skip-gram) and 0.24-0.37 (CBOW), depending on the load.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

SETTINGS = dict(vector_size=100, window=5, min_count=5, negative=5, sample=1e-3, alpha=0.025, min_alpha=0.0001)


def corpus(root=None):
    """The sentences: Tiny Shakespeare's non-empty lines and rt-polarity's sentences, tokenised."""
    import lamina as lm
    from lamina.data.text import tokenize

    root = root or os.environ.get("LAMINA_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    text = lm.datasets.tiny_shakespeare(root=root, download=False)
    reviews, _ = lm.datasets.rt_polarity(root=root, download=False)
    sentences = [tokenize(line) for line in text.split("\n")] + [tokenize(review) for review in reviews]
    return [sentence for sentence in sentences if sentence]


def make_model(library, sg, seed, epochs, workers=3):
    """An untrained model with its vocabulary built."""
    if library == "gensim":
        from gensim.models import Word2Vec

        model = Word2Vec(sg=sg, seed=seed, epochs=epochs, workers=workers, **SETTINGS)
    else:
        from lamina.models import Word2Vec

        model = Word2Vec(sg=sg, seed=seed, epochs=epochs, **SETTINGS)
    return model


def train_epoch(model, sentences, epoch, epochs):
    """Epoch ``epoch`` of ``epochs``, with the learning rates a whole run would give it; returns
    (seconds, effective words)."""
    alpha, end = SETTINGS["alpha"], SETTINGS["min_alpha"]
    start_alpha = alpha - (alpha - end) * epoch / epochs
    end_alpha = alpha - (alpha - end) * (epoch + 1) / epochs
    begin = time.perf_counter()
    effective, _ = model.train(sentences, total_examples=model.corpus_count, epochs=1, start_alpha=start_alpha,
                               end_alpha=end_alpha)
    return time.perf_counter() - begin, effective


def serve(library, sg, seed, epochs, workers, folder):
    """Worker: build the vocabulary, say "ready", train one epoch per line read, print its seconds and
    effective words; at the end save the vectors to ``folder`` (words.json, vectors.npy)."""
    sentences = corpus()
    model = make_model(library, sg, seed, epochs, workers)
    model.build_vocab(sentences)
    if library == "lamina":
        sentences = None  # the corpus encoded by build_vocab
    print("ready", flush=True)
    epoch = 0
    for _ in sys.stdin:
        seconds, effective = train_epoch(model, sentences, epoch, epochs)
        print(seconds, effective, flush=True)
        epoch += 1
    with open(os.path.join(folder, "words.json"), "w") as handle:
        json.dump(list(model.wv.index_to_key), handle)
    np.save(os.path.join(folder, "vectors.npy"), np.asarray(model.wv.vectors, dtype=np.float32))


def run_side_by_side(runs, epochs, pause):
    """Train the ``runs`` {name: (library, sg, seed, workers)} in their own processes taking turns epoch by
    epoch (ABBA...); returns {name: (seconds, effective words, words, vectors)}."""
    folders = {name: tempfile.mkdtemp(prefix=f"w2v-{name}-") for name in runs}
    workers = {name: subprocess.Popen([sys.executable, __file__, "--worker", library, str(sg), str(seed),
                                       str(epochs), str(threads), folders[name]],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for name, (library, sg, seed, threads) in runs.items()}
    for name, worker in workers.items():
        if worker.stdout.readline().strip() != "ready":
            for other in workers.values():
                other.kill()
            raise RuntimeError(f"the {name} worker failed to start")
    seconds, effective = dict.fromkeys(runs, 0.0), dict.fromkeys(runs, 0)
    names = list(runs)
    for epoch in range(epochs):
        for name in (names if epoch % 2 == 0 else names[::-1]):
            time.sleep(pause)
            workers[name].stdin.write("epoch\n")
            workers[name].stdin.flush()
            took, words = workers[name].stdout.readline().split()
            seconds[name] += float(took)
            effective[name] += int(words)
    result = {}
    for name, worker in workers.items():
        worker.stdin.close()
        if worker.wait() != 0:
            raise RuntimeError(f"the {name} worker failed")
        with open(os.path.join(folders[name], "words.json")) as handle:
            words = json.load(handle)
        result[name] = (seconds[name], effective[name], words, np.load(os.path.join(folders[name], "vectors.npy")))
    return result


def unit(vectors):
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def spearman(a, b):
    """Spearman's rank correlation (no ties among float cosines)."""
    ranks_a, ranks_b = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ranks_a, ranks_b)[0, 1])


def agreement(words_a, vectors_a, words_b, vectors_b, frequent=1000, pairs=2000, neighbours=200, topn=10, seed=0):
    """(Spearman of the cosines of ``pairs`` random pairs among the ``frequent`` most frequent words of model
    a, mean top-``topn`` neighbour overlap of its ``neighbours`` most frequent words): two models' agreement."""
    index_b = {word: i for i, word in enumerate(words_b)}
    shared = [word for word in words_a if word in index_b]
    position_a = {word: i for i, word in enumerate(words_a)}
    rows_a = np.array([position_a[word] for word in shared])
    rows_b = np.array([index_b[word] for word in shared])
    unit_a, unit_b = unit(vectors_a[rows_a]), unit(vectors_b[rows_b])
    rng = np.random.default_rng(seed)
    count = min(frequent, len(shared))
    first, second = rng.integers(0, count, pairs), rng.integers(0, count, pairs)
    keep = first != second
    first, second = first[keep], second[keep]
    rho = spearman((unit_a[first] * unit_a[second]).sum(1), (unit_b[first] * unit_b[second]).sum(1))
    queries = np.arange(min(neighbours, len(shared)))
    overlaps = []
    for unit_vectors in (unit_a, unit_b):
        cosines = unit_vectors[queries] @ unit_vectors.T
        cosines[queries, queries] = -np.inf
        overlaps.append(np.argsort(-cosines, axis=1)[:, :topn])
    overlap = np.mean([len(set(x) & set(y)) / topn for x, y in zip(*overlaps)])
    return rho, float(overlap)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sg", type=int, choices=[0, 1], help="only skip-gram (1) or CBOW (0)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between turns")
    parser.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        library, sg, seed, epochs, workers, folder = args.worker
        return serve(library, int(sg), int(seed), int(epochs), int(workers), folder)
    print(f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']} OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}"
          f", {os.cpu_count()} CPUs; {args.epochs} epochs; settings {SETTINGS}")
    for sg in ([args.sg] if args.sg is not None else [1, 0]):
        runs = {"lamina": ("lamina", sg, 1, 1), "gensim w3": ("gensim", sg, 1, 3),
                "gensim w1": ("gensim", sg, 1, 1), "gensim seed 2": ("gensim", sg, 2, 3),
                "lamina seed 2": ("lamina", sg, 2, 1)}
        result = run_side_by_side(runs, args.epochs, args.pause)
        rate = {name: result[name][1] / result[name][0] for name in result}
        print(f"\n{'skip-gram' if sg else 'CBOW'}: effective words/s")
        for name in ("lamina", "gensim w3", "gensim w1"):
            print(f"  {name:10s} {rate[name]:10,.0f}  ({result[name][1]:,} words in {result[name][0]:.2f} s)")
        print(f"  ratio Lamina / gensim: {rate['lamina'] / rate['gensim w3']:.2f} (workers=3), "
              f"{rate['lamina'] / rate['gensim w1']:.2f} (workers=1)")
        print("  agreement                      Spearman  top-10 overlap")
        for a, b in (("gensim w3", "gensim seed 2"), ("gensim w3", "gensim w1"), ("lamina", "gensim w3"),
                     ("lamina", "gensim seed 2"), ("lamina", "lamina seed 2")):
            rho, overlap = agreement(*result[a][2:], *result[b][2:])
            print(f"  {a + ' vs ' + b:30s} {rho:8.3f}  {overlap:14.3f}")


if __name__ == "__main__":
    main()
