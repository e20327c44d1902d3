"""lamina.data.text: Vocab (order, unknown tokens, round trips, saving), tokenize, language-model windows against
PyTorch's word_language_model batchify/get_batch, and pad_collate against torch's pad_sequence in a DataLoader."""
import functools
import json

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pad_sequence

import lamina as lm
from lamina.data import DataLoader, Vocab, language_model_batches, pad_collate, tokenize


def reference_order(tokens, min_freq=1):
    """Tokens by descending count, ties by first appearance (computed independently of Counter)."""
    first, count = {}, {}
    for position, token in enumerate(tokens):
        first.setdefault(token, position)
        count[token] = count.get(token, 0) + 1
    return sorted((t for t in first if count[t] >= min_freq), key=lambda t: (-count[t], first[t]))


# ---- tokenize ---------------------------------------------------------------------------------------
def test_tokenize_lowercases_and_splits_on_whitespace_and_punctuation():
    assert tokenize("Hello, World!  It's") == ["hello", ",", "world", "!", "it's"]
    assert tokenize('the rock\'s new " conan "-- 21st (2002)') == \
        ["the", "rock's", "new", '"', "conan", '"', "-", "-", "21st", "(", "2002", ")"]
    assert tokenize("") == [] and tokenize(" \t\n") == []
    assert tokenize("Élan VITAL") == ["élan", "vital"]
    with pytest.raises(TypeError):
        tokenize(["a list"])


# ---- Vocab ------------------------------------------------------------------------------------------
def test_char_vocab_order_specials_and_round_trip():
    texts = ["abracadabra", "cab!"]
    vocab = Vocab.build(texts)
    assert vocab.itos == ["<pad>", "<unk>"] + reference_order("".join(texts))
    assert vocab.pad_index == 0 and vocab.unk_index == 1 and len(vocab) == 2 + 6
    assert all(vocab.stoi[t] == i for i, t in enumerate(vocab.itos))
    ids = vocab.encode("abc!")
    assert ids.dtype == np.int64 and ids.tolist() == [vocab.itos.index(c) for c in "abc!"]
    assert vocab.decode(ids) == "abc!" and vocab.decode(lm.from_numpy(ids)) == "abc!"
    assert vocab.encode("az").tolist() == [vocab.stoi["a"], 1]  # unknown -> <unk>
    assert vocab.encode("").shape == (0,) and vocab.decode([]) == ""
    assert "a" in vocab and "z" not in vocab and vocab["z"] == 1


def test_word_vocab_min_freq_and_unknown_words():
    texts = ["The cat sat.", "the dog sat, the end", "A cat!"]
    vocab = Vocab.build(texts, level="word", min_freq=2)
    words = [w for t in texts for w in tokenize(t)]
    assert vocab.itos == ["<pad>", "<unk>"] + reference_order(words, min_freq=2)
    assert vocab.itos[2:] == ["the", "cat", "sat"]
    assert vocab.encode("The DOG sat").tolist() == [2, 1, 4]
    assert vocab.decode(vocab.encode("the cat sat")) == "the cat sat"
    assert len(Vocab.build(texts, level="word")) == 2 + len(set(words))
    assert Vocab.build(texts, level="word", max_size=1).itos == ["<pad>", "<unk>", "the"]


def test_vocab_without_unk_raises_on_unknown_tokens_and_specials_are_kept_in_order():
    vocab = Vocab.build("aab", specials=("<pad>", "<bos>", "<eos>"))
    assert vocab.itos == ["<pad>", "<bos>", "<eos>", "a", "b"] and vocab.unk_index is None
    with pytest.raises(KeyError, match="'z'"):
        vocab.encode("az")
    assert Vocab.build("ab", specials=()).itos == ["a", "b"]


def test_vocab_bad_arguments():
    with pytest.raises(ValueError, match="level"):
        Vocab.build(["a"], level="byte")
    with pytest.raises(ValueError, match="min_freq"):
        Vocab.build(["a"], min_freq=0)
    with pytest.raises(TypeError, match="str"):
        Vocab.build([b"bytes"])
    vocab = Vocab.build("ab")
    with pytest.raises(IndexError, match="out of range"):
        vocab.decode([0, 9])
    with pytest.raises(TypeError, match="integer"):
        vocab.decode(np.array([0.5]))
    with pytest.raises(ValueError, match="1-D"):
        vocab.decode(np.zeros((2, 2), dtype=np.int64))


def test_vocab_state_dict_round_trips_through_json_and_lm_save(tmp_path):
    vocab = Vocab.build(["Hello there, general Kenobi!", "hello"], level="word", min_freq=1)
    state = json.loads(json.dumps(vocab.state_dict()))
    assert Vocab.from_state_dict(state) == vocab
    lm.save(vocab, tmp_path / "vocab.lm")
    restored = Vocab.from_state_dict(lm.load(tmp_path / "vocab.lm"))
    assert restored.itos == vocab.itos and restored.level == "word" and restored.unk_index == vocab.unk_index
    assert restored.encode("hello kenobi, obi-wan").tolist() == vocab.encode("hello kenobi, obi-wan").tolist()
    model = lm.nn.Embedding(len(vocab), 4)
    lm.save({"model": model.state_dict(), "vocab": vocab.state_dict()}, tmp_path / "checkpoint.lm")
    checkpoint = lm.load(tmp_path / "checkpoint.lm")
    assert Vocab.from_state_dict(checkpoint["vocab"]) == vocab
    assert np.array_equal(checkpoint["model"]["weight"].numpy(), model.weight.detach().numpy())


def test_char_vocab_of_tiny_shakespeare_encodes_and_decodes_the_whole_text(shared_data):
    path = shared_data / "tinyshakespeare" / "input.txt"
    if not path.is_file():
        pytest.fail(f"{path} is missing: set LAMINA_DATA to the folder that holds tinyshakespeare/", pytrace=False)
    text = path.read_text(encoding="utf-8")
    vocab = Vocab.build(text)
    assert len(vocab) == 2 + 65 and vocab.itos[2] == " " and vocab.itos[3] == "e"
    ids = vocab.encode(text)
    assert ids.shape == (1115394,) and vocab.decode(ids) == text
    counts = np.bincount(ids, minlength=len(vocab))
    assert counts[0] == counts[1] == 0 and np.all(np.diff(counts[2:]) <= 0)


# ---- language_model_batches -------------------------------------------------------------------------
def torch_batchify(data, bsz):
    """PyTorch's examples/word_language_model/main.py."""
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def torch_get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)


@pytest.mark.parametrize("n, batch_size, bptt", [(1000, 20, 35), (26, 4, 3), (100, 7, 100), (11, 5, 1), (64, 1, 8)])
def test_language_model_batches_match_pytorch_example(rng, n, batch_size, bptt):
    ids = rng.integers(0, 50, size=n)
    source = torch_batchify(torch.from_numpy(ids), batch_size)
    windows = language_model_batches(ids, batch_size, bptt)
    starts = list(range(0, source.size(0) - 1, bptt))
    assert len(windows) == len(starts)
    for (inputs, targets), i in zip(windows, starts):
        data, target = torch_get_batch(source, i, bptt)
        assert inputs.dtype == lm.int64 and targets.dtype == lm.int64
        assert inputs.shape == tuple(data.shape) and np.array_equal(inputs.numpy(), data.numpy())
        assert np.array_equal(targets.reshape(-1).numpy(), target.numpy())
    for (inputs, targets), (inputs_bf, targets_bf) in zip(windows, language_model_batches(ids, batch_size, bptt,
                                                                                        batch_first=True)):
        assert np.array_equal(inputs_bf.numpy(), inputs.numpy().T)
        assert np.array_equal(targets_bf.numpy(), targets.numpy().T)


def test_language_model_batches_accept_tensors_and_check_arguments():
    ids = lm.arange(30)
    (first, first_target), *_ = language_model_batches(ids, 3, 4)
    assert first.numpy()[:, 1].tolist() == [10, 11, 12, 13] and first_target.numpy()[:, 1].tolist() == [11, 12, 13, 14]
    with pytest.raises(ValueError, match="batch_size"):
        language_model_batches(ids, 0, 4)
    with pytest.raises(ValueError, match="bptt"):
        language_model_batches(ids, 3, 2.5)
    with pytest.raises(ValueError, match="at least 2"):
        language_model_batches(ids, 20, 4)
    with pytest.raises(ValueError, match="1-D"):
        language_model_batches(np.zeros((3, 10), dtype=np.int64), 3, 4)
    with pytest.raises(TypeError, match="integer"):
        language_model_batches(np.zeros(30), 3, 4)


# ---- pad_collate ------------------------------------------------------------------------------------
def test_pad_collate_matches_pad_sequence(rng):
    lengths = [5, 1, 3, 0, 5]
    sequences = [rng.integers(1, 100, size=k) for k in lengths]
    labels = [1, 0, 1, 1, 0]
    padded, got_lengths, got_labels = pad_collate(list(zip(sequences, labels)))
    expected = pad_sequence([torch.from_numpy(s) for s in sequences], batch_first=True, padding_value=0)
    assert padded.dtype == lm.int64 and padded.shape == (5, 5) and np.array_equal(padded.numpy(), expected.numpy())
    assert got_lengths.dtype == lm.int64 and got_lengths.tolist() == lengths
    assert got_labels.dtype == lm.int64 and got_labels.tolist() == labels
    padded, _, _ = pad_collate([([7, 8], 0), (lm.tensor([9]), 1)], pad_index=3)
    expected = pad_sequence([torch.tensor([7, 8]), torch.tensor([9])], batch_first=True, padding_value=3)
    assert np.array_equal(padded.numpy(), expected.numpy())


def test_pad_collate_as_a_dataloader_collate_fn():
    sentences = ["a fine film .", "dull", "not bad at all , really", "bad"]
    vocab = Vocab.build(sentences, level="word")
    samples = [(vocab.encode(s), label) for s, label in zip(sentences, [1, 0, 1, 0])]
    collate = functools.partial(pad_collate, pad_index=vocab.pad_index)
    batches = list(DataLoader(samples, batch_size=3, collate_fn=collate))
    assert len(batches) == 2
    padded, lengths, labels = batches[0]
    assert padded.shape == (3, 6) and lengths.tolist() == [4, 1, 6] and labels.tolist() == [1, 0, 1]
    assert vocab.decode(padded.numpy()[0, :4]) == "a fine film ." and padded.numpy()[1, 1:].tolist() == [0] * 5
    embedded = lm.nn.Embedding(len(vocab), 3, padding_idx=vocab.pad_index)(padded)
    assert embedded.shape == (3, 6, 3)


def test_pad_collate_bad_batches():
    with pytest.raises(ValueError, match="empty"):
        pad_collate([])
    with pytest.raises(TypeError, match="pair"):
        pad_collate([[1, 2, 3]])
    with pytest.raises(ValueError, match="1-D"):
        pad_collate([(np.zeros((2, 2), dtype=np.int64), 0)])
