"""The main job: a small CNN learns scikit-learn's 8x8 handwritten digits (no download), Keras style.

    pip install -e ".[examples]" && python examples/digits_cnn.py

Trains in well under a minute on 2 cores, then prints the test accuracy and the confusion matrix
(counts, and row-normalised: the diagonal is each digit's recall).
"""
import numpy as np

import lamina as lm
from lamina import nn
from lamina.datasets import digits
from lamina.train import EarlyStopping, confusion_matrix, format_confusion_matrix


def build_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),          # 16 x 8 x 8
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),         # 32 x 8 x 8
        nn.MaxPool2d(2),                                    # 32 x 4 x 4
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def main(epochs: int = 30, seed: int = 0) -> float:
    lm.manual_seed(seed)
    x, y = digits(as_images=True)
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x.numpy()[order], y.numpy()[order]
    n_test = len(y) // 5
    x_train, y_train, x_test, y_test = x[n_test:], y[n_test:], x[:n_test], y[:n_test]

    model = lm.Model(build_cnn())
    model.summary((1, 8, 8))
    model.compile(optimizer=lm.optim.Adam(model.parameters(), lr=1e-3), loss="cross_entropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
              callbacks=[EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)],
              generator=lm.Generator(seed))

    loss, accuracy = model.evaluate(x_test, y_test)
    predicted = model.predict(x_test).argmax(1)
    print(f"\ntest loss {loss:.4f}   test accuracy {accuracy:.2%} on {len(y_test)} held-out digits\n")
    print("confusion matrix (counts)")
    print(format_confusion_matrix(confusion_matrix(y_test, predicted, num_classes=10)))
    print("\nconfusion matrix (row-normalised)")
    print(format_confusion_matrix(confusion_matrix(y_test, predicted, num_classes=10, normalize="true")))
    return accuracy


if __name__ == "__main__":
    main()
