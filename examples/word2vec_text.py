"""word2vec (course seed 001) on the words of Tiny Shakespeare and rt-polarity: nearest neighbours and analogies.

    python examples/word2vec_text.py [--sg 1] [--epochs 5] [--seed 1] [--data ../shared/data] [--save w2v.txt]

The corpus is every non-empty line of Tiny Shakespeare and every rt-polarity sentence, tokenised with
lamina.data.text.tokenize (43,439 sentences, 487,732 words, 7,108 words seen at least 5 times). The model is
lm.models.Word2Vec with gensim's defaults (vector_size 100, window 5, negative 5, sample 1e-3); it prints
training throughput, the nearest neighbours of a few words and two analogies (3CosAdd), and can save the
vectors in the word2vec text format (gensim's KeyedVectors.load_word2vec_format reads it).

Measured on the 2-core development machine, shared with other sessions (load ~6, 2026-12-03): CBOW 5 epochs
in 14.5 s (109 k effective words/s): king -> prince, edward, richard; movie -> film, story; doesnt_match(king
queen prince movie) = movie; skip-gram about 30-50 s (30-55 k words/s): king -> edward, henry, richard.
Analogies are weak on a corpus this small (king - man + woman = second, henry, first).
bench/bench_word2vec.py compares with gensim (throughput and agreement).
"""
import argparse
import os
import time

import lamina as lm
from lamina.data.text import tokenize
from lamina.models import Word2Vec


def data_root(folder=None):
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.path.join(here, "..", "..", "shared", "data")
    return folder or os.environ.get("LAMINA_DATA", shared if os.path.isdir(shared) else None)


def corpus(root):
    text = lm.datasets.tiny_shakespeare(root=root)
    reviews, _ = lm.datasets.rt_polarity(root=root)
    sentences = [tokenize(line) for line in text.split("\n")] + [tokenize(review) for review in reviews]
    return [sentence for sentence in sentences if sentence]


def main(sg=1, epochs=5, seed=1, data=None, save=None):
    sentences = corpus(data_root(data))
    model = Word2Vec(vector_size=100, window=5, min_count=5, sg=sg, epochs=epochs, seed=seed)
    model.build_vocab(sentences)
    print(f"{len(sentences):,} sentences, {model.corpus_total_words:,} words, vocabulary {len(model.wv):,}; "
          f"{'skip-gram' if sg else 'CBOW'}, {epochs} epochs")
    begin = time.perf_counter()
    effective, _ = model.train()
    seconds = time.perf_counter() - begin
    print(f"trained in {seconds:.1f} s: {effective / seconds:,.0f} effective words/s")
    for word in ("king", "love", "good", "movie", "night"):
        neighbours = ", ".join(f"{w} {c:.2f}" for w, c in model.wv.most_similar(word, topn=6))
        print(f"  {word:6s} -> {neighbours}")
    for positive, negative in ((["king", "woman"], ["man"]), (["good", "worst"], ["bad"])):
        best = model.wv.most_similar(positive=positive, negative=negative, topn=3)
        print(f"  {positive[0]} - {negative[0]} + {positive[1]} = " + ", ".join(f"{w} {c:.2f}" for w, c in best))
    print(f"similarity(good, great) = {model.wv.similarity('good', 'great'):.3f}, "
          f"doesnt_match(king queen prince movie) = {model.wv.doesnt_match(['king', 'queen', 'prince', 'movie'])}")
    if save:
        model.wv.save_word2vec_format(save)
        print(f"saved the vectors to {save} (word2vec text format)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="word2vec on Tiny Shakespeare + rt-polarity")
    parser.add_argument("--sg", type=int, default=1, choices=[0, 1], help="1 skip-gram, 0 CBOW")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", help="folder holding tinyshakespeare/ and sentiment/ (default: LAMINA_DATA)")
    parser.add_argument("--save", help="write the vectors in the word2vec text format to this file")
    main(**vars(parser.parse_args()))
