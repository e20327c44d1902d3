"""A character-level LSTM language model on Tiny Shakespeare (many-to-many), then sampling (one-to-many).

    OPENBLAS_NUM_THREADS=1 python examples/char_lstm_shakespeare.py [--minutes 30] [--save char_lstm.lamina]
        [--temperature 0.8] [--sample-chars 500] [--prompt "ROMEO:"]

Task: predict each next character of Tiny Shakespeare (65 distinct characters); train on the first 90 % of the
text, report the cross-entropy in nats per character on the last 10 % (uniform guessing is ln 65 = 4.17; the goal
is <= 1.55 within 30 minutes on 2 cores).
Model: Embedding(67, 64) - LSTM(64, 512) - Dropout(0.2) - Linear(512, 67), 1.22 M parameters (the vocabulary has
the two specials <pad> and <unk> besides the 65 characters; sampling never writes them).
Training: truncated backpropagation through time on ``language_model_batches`` (64 contiguous streams cut into
windows of 100 steps; the state is carried from window to window with ``h.detach()``; each epoch starts the
streams at a random offset), Adam at lr 5e-3, gradient norm clipped at 1, the learning rate decayed with the wall
clock (cosine down to a tenth over the budget). ``--minutes`` is the wall-clock budget of everything after loading
the data: training, the validation passes every ``--eval-minutes`` and the final one (training stops early
enough for the final pass to fit).
Validation loss: the mean over all but the last 52 of the 111,540 validation characters (cut into 32 streams of
3,485 characters, each read from a zero state, the state carried through the stream).
Then the model writes ``--sample-chars`` characters after ``--prompt`` at ``--temperature`` (0: greedy).

Measured 2026-12-03 with the defaults and OPENBLAS_NUM_THREADS=1 (2-core AMD EPYC, another job's short benchmark
at the start; 2 BLAS threads were slower then, through a two-thread recurrent path since removed from the library),
7,200-9,000 characters/s in training, 2,186 windows (14 epochs) in 30.0 min wall clock, validation passes (6 s each) included:
    min    3.1    6.2    9.3   12.4   15.5   18.6   21.7   24.9   28.0   30.0
    val  1.636  1.521  1.492  1.477  1.466  1.459  1.459  1.463  1.463  1.465  nats/char
validation loss: 1.465 nats/char (goal <= 1.55, first reached after about 6 min); training loss 1.10 at the end.
"""
import argparse
import math
import os
import time

import numpy as np  # host-side: sampling draws characters from the predicted distribution

import lamina as lm
import lamina.functional as F
from lamina import nn
from lamina.data.text import Vocab, language_model_batches


def data_root():
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.path.join(here, "..", "..", "shared", "data")
    return os.environ.get("LAMINA_DATA", shared if os.path.isdir(shared) else None)


def split_text(text: str, train_fraction: float = 0.9) -> tuple[str, str]:
    """The usual split: the first 90 % of the characters for training, the rest for validation."""
    n = int(train_fraction * len(text))
    return text[:n], text[n:]


class CharLSTM(nn.Module):
    """ids (L, N) -> logits (L, N, vocab) and the LSTM's final (h, c): embedding, LSTM, dropout, linear head."""

    def __init__(self, vocab_size: int, embedding_dim: int = 64, hidden_size: int = 512, num_layers: int = 1,
                 dropout: float = 0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers, dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids, state=None):
        output, state = self.lstm(self.embedding(ids), state)
        return self.head(self.dropout(output)), state


def detach(state):
    """The (h, c) pair cut from the graph of the window that made it: truncated BPTT."""
    return None if state is None else tuple(s.detach() for s in state)


def window_loss(model, inputs, targets, state=None):
    """(mean cross-entropy in nats over the window's L x N characters, the final state)."""
    logits, state = model(inputs, state)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)), state


def train_window(model, optimizer, inputs, targets, state, clip: float = 1.0):
    """One step of truncated BPTT on a window; returns (loss, the detached state to carry to the next window)."""
    loss, state = window_loss(model, inputs, targets, state)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item(), detach(state)


def evaluate(model, windows) -> float:
    """Mean cross-entropy in nats per character over all the windows (state carried from one to the next)."""
    model.eval()
    total, count, state = 0.0, 0, None
    with lm.no_grad():
        for inputs, targets in windows:
            loss, state = window_loss(model, inputs, targets, state)
            total += loss.item() * targets.numel()
            count += targets.numel()
    model.train()
    return total / count


def next_char_distribution(logits: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T) in float64; T <= 0 (or so small that the softmax is one-hot) is greedy (argmax)."""
    if temperature <= 0:
        p = np.zeros(logits.shape[-1])
        p[int(np.argmax(logits))] = 1.0
        return p
    z = logits.astype(np.float64) / temperature
    p = np.exp(z - z.max())
    return p / p.sum()


def sample(model, vocab: Vocab, prompt: str, n_chars: int, temperature: float = 1.0, seed: int = 0) -> str:
    """``n_chars`` characters that follow ``prompt``, each drawn from softmax(logits / temperature) of the
    previous ones (the prompt is read once; then one character at a time, the state carried)."""
    if not prompt:
        raise ValueError("sample: the prompt must hold at least one character")
    rng = np.random.default_rng(seed)
    specials = [i for i in (vocab.pad_index, vocab.unk_index) if i is not None]
    model.eval()
    chosen, state = [], None
    ids = vocab.encode(prompt)
    with lm.no_grad():
        for _ in range(n_chars):
            logits, state = model(lm.tensor(ids.reshape(-1, 1)), state)
            last = logits.numpy()[-1, 0].astype(np.float64)
            last[specials] = -np.inf  # never write <pad> or <unk>
            next_id = int(rng.choice(len(last), p=next_char_distribution(last, temperature)))
            chosen.append(next_id)
            ids = np.array([next_id])
    model.train()
    return vocab.decode(np.array(chosen, dtype=np.int64))


def cosine_lr(lr: float, progress: float, floor: float = 0.1) -> float:
    """lr * (floor + (1 - floor) (1 + cos(pi progress)) / 2): from lr at progress 0 down to floor * lr at 1."""
    progress = min(max(progress, 0.0), 1.0)
    return lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def train(model, train_ids, val_windows, minutes: float, batch_size: int = 64, bptt: int = 100, lr: float = 5e-3,
          clip: float = 1.0, eval_minutes: float = 3.0, seed: int = 0, log=print):
    """Train for ``minutes`` of wall clock, validation passes and the final one included: training stops when one
    more window and the final pass would not fit. Returns [(minutes, windows trained, train loss, val loss), ...],
    the last entry the final validation."""
    optimizer = lm.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    budget, start = 60.0 * minutes, time.perf_counter()
    elapsed = lambda: time.perf_counter() - start  # noqa: E731
    val_chars = sum(targets.numel() for _, targets in val_windows)
    history, steps, epoch, running = [], 0, 0, None
    window_seconds = eval_seconds = None

    def validate():
        nonlocal eval_seconds
        began = time.perf_counter()
        val = evaluate(model, val_windows)
        eval_seconds = time.perf_counter() - began
        history.append((elapsed() / 60, steps, running, val))
        log(f"{elapsed() / 60:6.2f} min  window {steps:6d}  epoch {epoch}  train {running:.3f}  val {val:.3f} "
            f"nats/char  ({eval_seconds:.0f} s to validate)")

    def final_pass_seconds():  # measured, or guessed from a training window (forward only, about a third)
        return eval_seconds if eval_seconds is not None else window_seconds * val_chars / (batch_size * bptt) / 2

    next_eval, done = 60.0 * eval_minutes, False
    while not done:
        epoch += 1
        offset = int(rng.integers(0, bptt))  # new window boundaries each epoch
        state = None
        for inputs, targets in language_model_batches(train_ids[offset:], batch_size, bptt):
            if window_seconds is not None and elapsed() + window_seconds + 1.2 * final_pass_seconds() + 1 >= budget:
                done = True
                break
            for group in optimizer.param_groups:
                group["lr"] = cosine_lr(lr, elapsed() / budget)
            began = time.perf_counter()
            loss, state = train_window(model, optimizer, inputs, targets, state, clip)
            seconds = time.perf_counter() - began
            window_seconds = seconds if window_seconds is None else 0.9 * window_seconds + 0.1 * seconds
            steps += 1
            running = loss if running is None else 0.98 * running + 0.02 * loss
            if steps == 20 or steps % 100 == 0:
                log(f"{elapsed() / 60:6.2f} min  window {steps:6d}  epoch {epoch}  train {running:.3f}  "
                    f"({batch_size * bptt / window_seconds:,.0f} chars/s in training)")
            if elapsed() >= next_eval and budget - elapsed() > 2.5 * final_pass_seconds() + 60:
                validate()
                next_eval = elapsed() + 60.0 * eval_minutes
    validate()
    return history


def main(minutes=30.0, embedding_dim=64, hidden_size=512, num_layers=1, dropout=0.2, batch_size=64, bptt=100,
         lr=5e-3, clip=1.0, eval_minutes=3.0, prompt="ROMEO:\n", sample_chars=500, temperature=0.8, save=None,
         seed=0, data=None):
    lm.manual_seed(seed)
    train_text, val_text = split_text(lm.datasets.tiny_shakespeare(root=data or data_root()))
    vocab = Vocab.build([train_text + val_text], level="char")
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    val_windows = language_model_batches(val_ids, 32, 500)
    val_chars = sum(targets.numel() for _, targets in val_windows)
    print(f"{len(train_text):,} training and {len(val_text):,} validation characters ({val_chars:,} scored), "
          f"vocabulary of {len(vocab)}")
    model = CharLSTM(len(vocab), embedding_dim, hidden_size, num_layers, dropout)
    print(model, f"\n{sum(p.numel() for p in model.parameters()):,} parameters")
    history = train(model, train_ids, val_windows, minutes, batch_size, bptt, lr, clip, eval_minutes, seed)
    minutes_used, _, _, val_loss = history[-1]
    print(f"validation loss: {val_loss:.3f} nats/char (after {minutes_used:.1f} min)")
    if save:
        lm.save({"model": model.state_dict(), "vocab": vocab.state_dict(),
                 "config": dict(embedding_dim=embedding_dim, hidden_size=hidden_size, num_layers=num_layers)}, save)
        print(f"saved the model and its vocabulary to {save}")
    text = sample(model, vocab, prompt, sample_chars, temperature, seed)
    print(f"--- {sample_chars} characters sampled at temperature {temperature} after {prompt!r} ---\n{prompt}{text}")
    return val_loss


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="wall-clock budget (training and validation)")
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--hidden-size", type=int, default=512)
    parser.add_argument("--num-layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--bptt", type=int, default=100)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--eval-minutes", type=float, default=3.0, help="minutes between validation passes")
    parser.add_argument("--prompt", default="ROMEO:\n")
    parser.add_argument("--sample-chars", type=int, default=500)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--save", default=None, help="path to save the model and vocabulary to (lm.save)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="folder holding tinyshakespeare/ (default: $LAMINA_DATA)")
    args = parser.parse_args()
    main(args.minutes, args.embedding_dim, args.hidden_size, args.num_layers, args.dropout, args.batch_size,
         args.bptt, args.lr, args.clip, args.eval_minutes, args.prompt, args.sample_chars, args.temperature,
         args.save, args.seed, args.data)
