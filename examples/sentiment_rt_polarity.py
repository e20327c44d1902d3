"""Many-to-one: the sentiment of rt-polarity sentences (Pang and Lee 2005), a recurrent classifier.

    python examples/sentiment_rt_polarity.py                 # the fixed 90/10 split
    python examples/sentiment_rt_polarity.py --cv 10         # and the mean of 10-fold cross-validation
    python examples/sentiment_rt_polarity.py --validate      # choose the epochs on the training 90 % only

Data: the 10,662 sentences of ``lm.datasets.rt_polarity()`` (5,331 positive, 5,331 negative), read from --data,
$LAMINA_DATA or ../shared/data. Split: a permutation drawn with ``np.random.default_rng(seed)``, the first 90 %
(9,595 sentences) for training, the last 10 % (1,067) for testing.

Model (random embeddings, nothing pre-trained): words (``lamina.data.text.tokenize``, a word ``Vocab`` of the
training sentences) -> Embedding 128 -> dropout -> bidirectional GRU 128 + 128 over the packed sequences ->
max over time of the outputs -> dropout -> Linear 2; Adam, cross-entropy, batches of similar lengths.
Goal: >= 77 % test accuracy (Kim 2014's CNN with random embeddings: 76.1 %).

Measured (RESULTS PENDING).
"""
import argparse
import functools
import os
import time

import numpy as np  # host-side: the split, the folds and the batch order

import lamina as lm
import lamina.functional as F
from lamina import nn
from lamina.data import DataLoader
from lamina.data.text import Vocab, pad_collate
from lamina.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

MODEL_NAME = "BiGRU-max (embedding 128, bidirectional GRU 128, max over time)"
DEFAULTS = dict(embedding_dim=128, hidden_size=128, dropout=0.5, min_freq=1, epochs=6, lr=2e-3, batch_size=50,
                weight_decay=0.0)


def data_root(path=None):
    """--data, else $LAMINA_DATA, else ../shared/data next to the repository (if present), else the download cache."""
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.path.join(here, "..", "..", "shared", "data")
    return path or os.environ.get("LAMINA_DATA", shared if os.path.isdir(shared) else None)


# ---- data --------------------------------------------------------------------------------------------------------
def split(sentences, labels, seed=0, test_fraction=0.1):
    """The fixed split: shuffle with a generator seeded ``seed``, the first 90 % train, the last 10 % test."""
    order = np.random.default_rng(seed).permutation(len(sentences))
    cut = len(sentences) - int(round(test_fraction * len(sentences)))
    pick = lambda idx: ([sentences[i] for i in idx], labels[idx])   # noqa: E731
    return pick(order[:cut]), pick(order[cut:])


def folds(n, k=10, seed=0):
    """``k`` (train indices, test indices) pairs: a seeded permutation of ``range(n)`` cut into k near-equal parts."""
    parts = np.array_split(np.random.default_rng(seed).permutation(n), k)
    return [(np.concatenate(parts[:i] + parts[i + 1:]), parts[i]) for i in range(k)]


def encode(vocab, sentences):
    """Each sentence as its int64 word ids (an empty sentence as the single id of ``<unk>``)."""
    return [vocab.encode(s) if len(vocab.tokens(s)) else np.array([vocab.unk_index]) for s in sentences]


def bucketed(pairs, batch_size, rng, pool=50):
    """``pairs`` reordered so that consecutive ``batch_size`` chunks hold sentences of similar length (less padding,
    fewer recurrent steps): shuffle, sort pools of ``pool`` batches by length, shuffle the batches; a short last
    chunk stays last so a ``DataLoader(shuffle=False)`` cuts exactly these batches."""
    order = rng.permutation(len(pairs))
    size = batch_size * pool
    pools = [sorted(order[i:i + size], key=lambda j: len(pairs[j][0])) for i in range(0, len(order), size)]
    flat = [j for p in pools for j in p]
    chunks = [flat[i:i + batch_size] for i in range(0, len(flat), batch_size)]
    tail = [chunks.pop()] if len(chunks[-1]) < batch_size else []
    chunks = [chunks[i] for i in rng.permutation(len(chunks))] + tail
    return [pairs[j] for chunk in chunks for j in chunk]


def loader(encoded, labels, batch_size, pad_index, rng=None):
    """A DataLoader of ``(padded (N, L), lengths (N,), labels (N,))``: bucketed and shuffled by ``rng`` for
    training, sorted by length (fast, order irrelevant) for evaluation when ``rng`` is None."""
    pairs = list(zip(encoded, labels))
    if rng is None:
        pairs = sorted(pairs, key=lambda pair: len(pair[0]))
    else:
        pairs = bucketed(pairs, batch_size, rng)
    return DataLoader(pairs, batch_size=batch_size, collate_fn=functools.partial(pad_collate, pad_index=pad_index))


# ---- model -------------------------------------------------------------------------------------------------------
class BiGRUMaxPool(nn.Module):
    """logits = W max_t [GRU_fwd(e)_t ; GRU_bwd(e)_t] + b, e = dropout(Embedding(words)); many-to-one."""

    def __init__(self, vocab_size, embedding_dim=128, hidden_size=128, dropout=0.5, pad_index=0, classes=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_index)
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(embedding_dim, hidden_size, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, classes)

    def forward(self, padded, lengths):
        """(N, L) word ids and their (N,) lengths -> (N, classes) logits."""
        x = self.dropout(self.embedding(padded))
        outputs, _ = self.gru(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, padding_value=-1e4)   # pads never win the max
        return self.head(self.dropout(outputs.max(1)[0]))


# ---- training ----------------------------------------------------------------------------------------------------
def accuracy(model, batches):
    """The fraction of sentences whose arg-max logit is their label."""
    model.eval()
    correct = total = 0
    with lm.no_grad():
        for padded, lengths, labels in batches:
            correct += int((model(padded, lengths).argmax(1).numpy() == labels.numpy()).sum())
            total += labels.shape[0]
    model.train()
    return correct / total


def train_epoch(model, optimizer, batches):
    """One pass of Adam over ``batches``; returns the mean training loss."""
    model.train()
    total, count = 0.0, 0
    for padded, lengths, labels in batches:
        loss = F.cross_entropy(model(padded, lengths), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total, count = total + loss.item(), count + 1
    return total / count


def fit(train_sentences, train_labels, eval_sets=(), seed=0, log=print, **settings):
    """Build the vocabulary of the training sentences, train a BiGRUMaxPool, and return ``(model, vocab, history)``;
    ``history[e]`` = (loss, [accuracy on each of ``eval_sets``, ``(name, sentences, labels)``]) after epoch e + 1."""
    config = {**DEFAULTS, **settings}
    lm.manual_seed(seed)
    rng = np.random.default_rng(seed)
    vocab = Vocab.build(train_sentences, level="word", min_freq=config["min_freq"])
    encoded = encode(vocab, train_sentences)
    evals = [(name, loader(encode(vocab, s), y, 500, vocab.pad_index)) for name, s, y in eval_sets]
    model = BiGRUMaxPool(len(vocab), config["embedding_dim"], config["hidden_size"], config["dropout"],
                         vocab.pad_index)
    optimizer = lm.optim.Adam(model.parameters(), lr=config["lr"], weight_decay=config["weight_decay"])
    history = []
    for epoch in range(config["epochs"]):
        start = time.perf_counter()
        loss = train_epoch(model, optimizer, loader(encoded, train_labels, config["batch_size"], vocab.pad_index, rng))
        scores = [accuracy(model, batches) for _, batches in evals]
        history.append((loss, scores))
        shown = "  ".join(f"{name} {score:.2%}" for (name, _), score in zip(evals, scores))
        log(f"epoch {epoch + 1:2d}  loss {loss:.4f}  {shown}  ({time.perf_counter() - start:.1f} s)")
    return model, vocab, history


def test_accuracy(model, vocab, sentences, labels):
    return accuracy(model, loader(encode(vocab, sentences), labels, 500, vocab.pad_index))


def validate(train, seed, settings, fraction=0.1):
    """Hold out the last ``fraction`` of the (already shuffled) training part and print the accuracy per epoch."""
    (sentences, labels), (held_s, held_y) = split(*train, seed=seed + 1, test_fraction=fraction)
    print(f"validation: {len(sentences)} train / {len(held_s)} held out (from the training 90 % only)")
    _, _, history = fit(sentences, labels, [("val", held_s, held_y)], seed=seed, **settings)
    best = int(np.argmax([scores[0] for _, scores in history]))
    print(f"best validation accuracy {history[best][1][0]:.2%} after epoch {best + 1}")


def cross_validate(sentences, labels, k, seed, settings):
    """Mean and standard deviation of the test accuracy over ``k`` folds of the whole set."""
    scores = []
    for i, (train_idx, test_idx) in enumerate(folds(len(sentences), k, seed)):
        start = time.perf_counter()
        model, vocab, _ = fit([sentences[j] for j in train_idx], labels[train_idx], seed=seed, log=lambda _: None,
                              **settings)
        scores.append(test_accuracy(model, vocab, [sentences[j] for j in test_idx], labels[test_idx]))
        print(f"fold {i + 1:2d}/{k}  accuracy {scores[-1]:.2%}  ({time.perf_counter() - start:.0f} s)")
    print(f"{k}-fold cross-validation: mean {np.mean(scores):.2%} (std {np.std(scores):.2%})")
    return float(np.mean(scores))


def main(root=None, seed=0, cv=0, validation=False, **settings):
    sentences, labels = lm.datasets.rt_polarity(root=data_root(root))
    train, test = split(sentences, labels, seed)
    print(f"rt-polarity: {len(sentences)} sentences; split (seed {seed}): {len(train[0])} train, {len(test[0])} test")
    print(f"model: {MODEL_NAME}; settings {({**DEFAULTS, **settings})}")
    if validation:
        validate(train, seed, settings)
        return None
    start = time.perf_counter()
    model, vocab, _ = fit(*train, seed=seed, **settings)
    result = test_accuracy(model, vocab, *test)
    print(f"trained in {time.perf_counter() - start:.0f} s; vocabulary {len(vocab)} words")
    if cv:
        cross_validate(sentences, labels, cv, seed, settings)
    print(f"test accuracy: {100 * result:.2f} %")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="folder holding sentiment/ (default: $LAMINA_DATA)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cv", type=int, default=0, help="also run k-fold cross-validation (e.g. 10)")
    parser.add_argument("--validate", action="store_true", help="only tune: accuracy per epoch on a held-out part "
                                                                "of the training 90 %%")
    for name, value in DEFAULTS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    args = vars(parser.parse_args())
    main(args.pop("data"), args.pop("seed"), args.pop("cv"), args.pop("validate"), **args)
