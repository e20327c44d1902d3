"""Seed 003, "Introduction to deep learning" (TACC), "Modeling Sequences": the ways a recurrent network maps
inputs to outputs, each run with a real Lamina model on a small input, the tensor shapes printed at every step.

    one to one     one input, one output, no recurrence: a feed-forward layer          image classification
    one to many    one input sets the first state; each step's output is fed back      image captioning
    many to one    a sequence in; one output, read from the last state                 sentiment analysis
    many to many   a sequence in, a sequence out: synced (one output per input step: tagging, a language
                   model), or encoder-decoder (read it all, then write another length) machine translation

    every step:  h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)    (LSTM, GRU: gated versions of it)

The weights are the same at every step, so a layer's parameter count does not depend on the sequence length.
``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` run a whole sequence (N, T, features) at once; the per-step loops here use
the cells (``nn.RNNCell`` ...) with the layer's own weights and check that both give the same states. The
captioning decoder is trained for a few dozen Adam steps on the slide's one caption, so that the one-to-many
network really writes it from the image vector alone; the other models are untrained (their words are random,
the shapes are the point; the issue-11 example scripts train each kind on real data).
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..autograd import no_grad
from ..creation import randn
from ..random import Generator, manual_seed
from ..tensor import Tensor
from .report import Comparison, section, step

NAME = "seed003_rnn"
DESCRIPTION = ("the RNN types of the slides (one-to-one, one-to-many, many-to-one, many-to-many) as Lamina models, "
               "with the tensor shapes at every step")

SEED = 0
IMAGE_FEATURES, EMBED, HIDDEN = 12, 5, 8   # distinct sizes, so that every printed shape says what it is
CAPTION = "a person riding a motorbike on dirt road"   # the slide's caption (image captioning, one to many)
SENTENCE = ("awesome", "tutorial", ".")              # the slide's review (sentiment analysis, many to one)
SOURCE = ("happy", "diwali")                          # the slide's phrase (machine translation, many to many)
TARGET_WORDS = ("<start>", "<end>", "deepavali", "ki", "shubhkamnayein")   # Hindi, transliterated
SYNCED_TEXT = "to be or not"                          # characters in, the next character out at every step
CAPTION_STEPS, QUICK_CAPTION_STEPS = 120, 80
CAPTION_LR = 0.03


def shape(tensor) -> list:
    return list(tensor.shape)


def _vocabulary(words) -> dict:
    return {w: i for i, w in enumerate(dict.fromkeys(words))}


def _ids(tokens, vocabulary) -> Tensor:
    return Tensor._wrap(np.asarray([[vocabulary[t] for t in tokens]], dtype=np.int64))


def _copy_layer_weights(cell, layer) -> None:
    """Give a cell the weights of layer 0 of a recurrent layer (the same names without ``_l0``)."""
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data[...] = getattr(layer, f"{name}_l0").data


def run(output_dir="course_output", quick=False, print_fn=print) -> dict:
    manual_seed(SEED)
    table = Comparison("seed 003, RNN types: what the slides say and what Lamina computes")
    out = {"one_to_one": one_to_one(table, print_fn),
           "one_to_many": one_to_many(table, quick, print_fn),
           "many_to_one": many_to_one(table, print_fn),
           "many_to_many": {"synced": many_to_many_synced(table, print_fn),
                            "encoder_decoder": encoder_decoder(table, print_fn)}}
    table.show(print_fn)
    out["comparison"] = table.as_dicts()
    out["disagreements"] = len(table.disagreements)
    return out


# ---- one to one -------------------------------------------------------------------------------------------
@no_grad()
def one_to_one(table: Comparison, print_fn=print) -> dict:
    section("Seed 003, RNN types 1: one to one (no sequence: image classification)", print_fn)
    generator = Generator(SEED)
    cell, head = nn.RNNCell(IMAGE_FEATURES, HIDDEN), nn.Linear(HIDDEN, 3, generator=generator)
    cell.reset_parameters(generator=generator)
    x = randn(1, IMAGE_FEATURES, generator=generator)
    h = cell(x)                       # h0 = 0: the recurrent term is only the bias b_hh
    y = head(h)
    dense = F.tanh(F.linear(x, cell.weight_ih, cell.bias_ih + cell.bias_hh))
    difference = float(np.abs(h.numpy() - dense.numpy()).max())
    step(f"image x {shape(x)} -> RNNCell({IMAGE_FEATURES}, {HIDDEN}), one step from h0 = 0 -> h {shape(h)} "
         f"-> Linear({HIDDEN}, 3) -> y {shape(y)} (3 class scores)", print_fn)
    step(f"with h0 = 0 the step is tanh(W_ih x + b_ih + b_hh): a dense layer (max |difference| {difference:.1e}); "
         "one to one needs no recurrence", print_fn)
    table.add("one to one: inputs -> outputs", "1 -> 1 (the non-recurrent case)", f"{shape(x)} -> {shape(y)}",
              agrees=True, note="one step of a cell from h0 = 0 is a dense layer")
    return {"input": shape(x), "hidden": shape(h), "output": shape(y), "dense_difference": difference}


# ---- one to many ------------------------------------------------------------------------------------------
class CaptionDecoder(nn.Module):
    """image vector -> h0 = tanh(W image), c0 = 0; then LSTMCell steps fed with the previous word's embedding."""

    def __init__(self, vocabulary: dict):
        super().__init__()
        self.vocabulary, self.words = vocabulary, list(vocabulary)
        generator = Generator(SEED + 1)
        self.image_to_state = nn.Linear(IMAGE_FEATURES, HIDDEN, generator=generator)
        self.embed = nn.Embedding(len(vocabulary), EMBED, generator=generator)
        self.cell = nn.LSTMCell(EMBED, HIDDEN)
        self.cell.reset_parameters(generator=generator)
        self.out = nn.Linear(HIDDEN, len(vocabulary), generator=generator)

    def start(self, image):
        h = F.tanh(self.image_to_state(image))
        return h, h * 0.0

    def step(self, word_ids, state):
        """One step: (logits over the vocabulary, the new (h, c), the embedded input)."""
        x = self.embed(word_ids)
        h, c = self.cell(x, state)
        return self.out(h), (h, c), x

    def loss(self, image, words) -> Tensor:
        """Teacher forcing: step t reads the true word t - 1 and is scored on word t."""
        state, total = self.start(image), 0.0
        ids = [self.vocabulary[w] for w in ["<start>"] + words]
        for previous, target in itertools.pairwise(ids):
            logits, state, _ = self.step(Tensor._wrap(np.asarray([previous])), state)
            total = total + F.cross_entropy(logits, Tensor._wrap(np.asarray([target])))
        return total / (len(ids) - 1)

    def generate(self, image, max_steps: int):
        """Greedy decoding: each step's most likely word is the next step's input; stops at <end>."""
        rows, state, word = [], self.start(image), "<start>"
        with no_grad():
            for _ in range(max_steps):
                logits, state, x = self.step(Tensor._wrap(np.asarray([self.vocabulary[word]])), state)
                word = self.words[int(logits.numpy().argmax())]
                rows.append({"input": shape(x), "hidden": shape(state[0]), "cell": shape(state[1]),
                             "output": shape(logits), "word": word})
                if word == "<end>":
                    break
        return rows


def one_to_many(table: Comparison, quick: bool, print_fn=print) -> dict:
    section("Seed 003, RNN types 2: one to many (image captioning: one image in, a word per step out)", print_fn)
    words = CAPTION.split() + ["<end>"]
    vocabulary = _vocabulary(["<start>"] + words)
    decoder = CaptionDecoder(vocabulary)
    image = randn(1, IMAGE_FEATURES, generator=Generator(SEED + 2))
    steps = QUICK_CAPTION_STEPS if quick else CAPTION_STEPS
    optimizer = optim.Adam(decoder.parameters(), lr=CAPTION_LR)
    first = None
    for _ in range(steps):
        optimizer.zero_grad()
        loss = decoder.loss(image, words)
        loss.backward()
        optimizer.step()
        first = float(loss.item()) if first is None else first
    with no_grad():
        final = float(decoder.loss(image, words).item())
    step(f"vocabulary: {len(vocabulary)} words; the 'image' is a vector {shape(image)} (a CNN's features in "
         f"practice); the LSTM decoder was trained {steps} Adam steps on the one caption "
         f"(loss {first:.3f} -> {final:.4f} nats per word)", print_fn)
    step(f"image {shape(image)} -> Linear({IMAGE_FEATURES}, {HIDDEN}), tanh -> h0 {[1, HIDDEN]}, c0 = 0 "
         f"{[1, HIDDEN]}; then, each step, the previous word:", print_fn)
    rows = decoder.generate(image, max_steps=len(words) + 2)
    for t, row in enumerate(rows, start=1):
        step(f"t={t:<2d} x_{t} = embed(previous word) {row['input']} -> LSTMCell -> h_{t} {row['hidden']}, "
             f"c_{t} {row['cell']} -> Linear -> y_{t} {row['output']} -> '{row['word']}'", print_fn)
    caption = " ".join(r["word"] for r in rows if r["word"] != "<end>")
    step(f"caption written from the image vector alone: '{caption}'", print_fn)
    table.add("one to many: image captioning", "1 image -> a caption", f"{shape(image)} -> {len(rows)} x "
              f"{rows[0]['output']}", agrees=True, note="one input, one output per step")
    table.add("the caption", CAPTION, caption, agrees=caption == CAPTION,
              why="the decoder did not learn the caption in the steps given")
    return {"image": shape(image), "steps": rows, "caption": caption, "loss_before": first, "loss_after": final,
            "train_steps": steps}


# ---- many to one ------------------------------------------------------------------------------------------
@no_grad()
def many_to_one(table: Comparison, print_fn=print) -> dict:
    section("Seed 003, RNN types 3: many to one (sentiment analysis: a sentence in, one label out)", print_fn)
    vocabulary = _vocabulary(SENTENCE)
    generator = Generator(SEED + 3)
    embed = nn.Embedding(len(vocabulary), EMBED, generator=generator)
    gru = nn.GRU(EMBED, HIDDEN, batch_first=True)
    gru.reset_parameters(generator=generator)
    head = nn.Linear(HIDDEN, 2, generator=generator)
    ids = _ids(SENTENCE, vocabulary)
    x = embed(ids)
    output, h_n = gru(x)
    logits = head(h_n[-1])
    probability = F.softmax(logits, dim=-1).numpy()[0]
    step(f"'{' '.join(SENTENCE)}': token ids {ids.numpy().tolist()} {shape(ids)} -> Embedding -> x {shape(x)} "
         f"(N, T, features) -> nn.GRU({EMBED}, {HIDDEN}, batch_first=True) -> output {shape(output)}, "
         f"h_n {shape(h_n)}", print_fn)
    step("the same, one step at a time with a GRUCell holding the layer's weights:", print_fn)
    cell = nn.GRUCell(EMBED, HIDDEN)
    _copy_layer_weights(cell, gru)
    h, rows, difference = None, [], 0.0
    for t in range(len(SENTENCE)):
        h = cell(x[:, t], h)
        difference = max(difference, float(np.abs(h.numpy() - output[:, t].numpy()).max()))
        rows.append({"token": SENTENCE[t], "input": shape(x[:, t]), "hidden": shape(h)})
        step(f"t={t + 1} '{SENTENCE[t]}': x_{t + 1} {shape(x[:, t])} -> h_{t + 1} {shape(h)} (no output yet)", print_fn)
    step(f"only the last state is read: h_{len(SENTENCE)} {shape(h)} -> Linear({HIDDEN}, 2) -> y {shape(logits)}; "
         f"softmax: P(positive) = {probability[1]:.3f} (untrained)", print_fn)
    step(f"GRUCell step by step and nn.GRU agree: max |difference| {difference:.1e}", print_fn)
    parameters = sum(p.numel() for p in gru.parameters())
    formula = 3 * (HIDDEN * EMBED + HIDDEN * HIDDEN + 2 * HIDDEN)
    step(f"nn.GRU parameters: 3 gates x (H*E + H*H + 2H) = 3 x ({HIDDEN}*{EMBED} + {HIDDEN}*{HIDDEN} + 2*{HIDDEN}) "
         f"= {formula}, counted {parameters}: the same for a sentence of any length", print_fn)
    table.add("many to one: sentiment", "'Awesome tutorial.' -> Positive",
              f"{len(SENTENCE)} x {rows[0]['input']} -> {shape(logits)}", agrees=True,
              note="one output, read from the last state")
    table.add("one element at a time (the RNN slide)", "state carries the memory", difference, agrees=difference < 1e-5,
              note="nn.GRU = GRUCell looped over the steps, max |difference|")
    table.add("GRU parameters (any sequence length)", formula, parameters)
    return {"tokens": ids.numpy().tolist(), "embedded": shape(x), "layer_output": shape(output), "h_n": shape(h_n),
            "output": shape(logits), "steps": rows, "cell_vs_layer": difference, "p_positive": float(probability[1]),
            "gru_parameters": parameters}


# ---- many to many, synced ---------------------------------------------------------------------------------
@no_grad()
def many_to_many_synced(table: Comparison, print_fn=print) -> dict:
    section("Seed 003, RNN types 4a: many to many, synced (an output at every input step: a character model)",
            print_fn)
    vocabulary = _vocabulary(sorted(set(SYNCED_TEXT)))
    generator = Generator(SEED + 4)
    embed = nn.Embedding(len(vocabulary), EMBED, generator=generator)
    lstm = nn.LSTM(EMBED, HIDDEN, batch_first=True)
    lstm.reset_parameters(generator=generator)
    head = nn.Linear(HIDDEN, len(vocabulary), generator=generator)
    chars = list(SYNCED_TEXT)
    x = embed(_ids(chars, vocabulary))
    output, (h_n, c_n) = lstm(x)
    logits = head(output)
    step(f"'{SYNCED_TEXT}': {len(chars)} characters, vocabulary {len(vocabulary)} -> x {shape(x)} -> nn.LSTM("
         f"{EMBED}, {HIDDEN}, batch_first=True) -> output {shape(output)}, h_n {shape(h_n)}, c_n {shape(c_n)} -> "
         f"Linear({HIDDEN}, {len(vocabulary)}) on every step -> y {shape(logits)}", print_fn)
    cell = nn.LSTMCell(EMBED, HIDDEN)
    _copy_layer_weights(cell, lstm)
    state, rows, difference = None, [], 0.0
    for t, char in enumerate(chars):
        state = cell(x[:, t], state)
        y = head(state[0])
        difference = max(difference, float(np.abs(y.numpy() - logits[:, t].numpy()).max()))
        rows.append({"input": shape(x[:, t]), "hidden": shape(state[0]), "cell": shape(state[1]),
                     "output": shape(y)})
        following = f"character {t + 2}, {chars[t + 1]!r}" if t + 1 < len(chars) else "the character after the text"
        step(f"t={t + 1:<2d} {char!r}: x_{t + 1} {shape(x[:, t])} -> h_{t + 1} {shape(state[0])}, c_{t + 1} "
             f"{shape(state[1])} -> y_{t + 1} {shape(y)} (scores for {following})", print_fn)
    step(f"LSTMCell step by step and nn.LSTM + Linear agree (max |difference| {difference:.1e}); training scores "
         "y_t against character t + 1", print_fn)
    table.add("many to many, synced", "(the slide's 'many to many', one output per input)",
              f"{shape(x)} -> {shape(logits)}", agrees=True, note="a language model: T in, T out")
    return {"input": shape(x), "layer_output": shape(output), "h_n": shape(h_n), "c_n": shape(c_n),
            "output": shape(logits), "steps": rows, "cell_vs_layer": difference}


# ---- many to many, encoder-decoder ------------------------------------------------------------------------
@no_grad()
def encoder_decoder(table: Comparison, print_fn=print) -> dict:
    section("Seed 003, RNN types 4b: many to many, encoder-decoder (machine translation: 'Happy Diwali')", print_fn)
    source, target = _vocabulary(SOURCE), _vocabulary(TARGET_WORDS)
    generator = Generator(SEED + 5)
    source_embed = nn.Embedding(len(source), EMBED, generator=generator)
    encoder = nn.GRU(EMBED, HIDDEN, batch_first=True)
    encoder.reset_parameters(generator=generator)
    target_embed = nn.Embedding(len(target), EMBED, generator=generator)
    decoder = nn.GRUCell(EMBED, HIDDEN)
    decoder.reset_parameters(generator=generator)
    head = nn.Linear(HIDDEN, len(target), generator=generator)
    x = source_embed(_ids(SOURCE, source))
    _, h_n = encoder(x)
    step(f"encoder: '{' '.join(SOURCE)}' -> x {shape(x)} -> nn.GRU -> h_n {shape(h_n)}: the whole phrase in one "
         f"state; its outputs are not used", print_fn)
    h, word, rows = h_n[0], "<start>", []
    length = len(TARGET_WORDS) - 2   # the three Hindi words of the reference translation
    for t in range(1, length + 1):
        x_t = target_embed(Tensor._wrap(np.asarray([target[word]])))
        h = decoder(x_t, h)
        y = head(h)
        word = list(target)[int(y.numpy().argmax())]
        rows.append({"input": shape(x_t), "hidden": shape(h), "output": shape(y), "word": word})
        step(f"decoder t={t}: x_{t} = embed(previous word) {shape(x_t)} -> GRUCell -> h_{t} {shape(h)} -> "
             f"y_{t} {shape(y)} -> '{word}' (untrained)", print_fn)
    step(f"{len(SOURCE)} words in, {length} out ('deepavali ki shubhkamnayein'): the lengths differ, which the "
         f"synced form cannot do", print_fn)
    table.add("many to many: translation", "'Happy Diwali' -> (Hindi)", f"{len(SOURCE)} x {shape(x[:, 0])} -> "
              f"{length} x {rows[0]['output']}", agrees=True, note="encoder state -> decoder, lengths differ")
    return {"input": shape(x), "h_n": shape(h_n), "steps": rows}
