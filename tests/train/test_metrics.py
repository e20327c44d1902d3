"""Metrics against values worked out by hand on tiny examples."""
import numpy as np
import pytest

import lamina as lm
from lamina.train import metrics


def test_accuracy_from_scores_logits_or_probabilities():
    y_true = np.array([0, 2, 1, 1])
    logits = np.array([[3.0, 1.0, 0.0],    # 0 correct
                       [0.0, 1.0, 2.0],    # 2 correct
                       [5.0, 1.0, -1.0],   # 0, wrong
                       [0.0, 0.5, 0.1]])   # 1 correct
    assert metrics.accuracy(y_true, logits) == 0.75
    probabilities = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert metrics.accuracy(y_true, probabilities) == 0.75
    assert metrics.accuracy(lm.tensor(y_true), lm.tensor(logits)) == 0.75  # Tensors work too
    assert metrics.accuracy(np.eye(3)[y_true], logits) == 0.75             # one-hot targets


def test_accuracy_of_a_single_sigmoid_output_thresholds_at_one_half():
    y_true = np.array([1, 0, 1, 0, 1])
    p = np.array([0.9, 0.2, 0.4, 0.6, 0.51])  # predictions 1 0 0 1 1 -> 3 of 5 right
    assert metrics.accuracy(y_true, p) == pytest.approx(0.6)
    assert metrics.accuracy(y_true.astype(np.float32)[:, None], p[:, None]) == pytest.approx(0.6)
    logits = np.log(p / (1 - p))
    assert metrics.accuracy(y_true, logits, from_logits=True) == pytest.approx(0.6)


def test_accuracy_of_integer_predictions_and_mismatched_lengths():
    assert metrics.accuracy([0, 1, 2, 2], np.array([0, 1, 1, 2])) == 0.75
    with pytest.raises(ValueError, match="3 samples"):
        metrics.accuracy([0, 1, 2], np.zeros((4, 3)))


def test_top_k_accuracy():
    y_true = np.array([0, 1, 2])
    scores = np.array([[0.5, 0.3, 0.2],    # true 0 is top-1
                       [0.5, 0.3, 0.2],    # true 1 is 2nd
                       [0.5, 0.3, 0.2]])   # true 2 is 3rd
    assert metrics.top_k_accuracy(y_true, scores, k=1) == pytest.approx(1 / 3)
    assert metrics.top_k_accuracy(y_true, scores, k=2) == pytest.approx(2 / 3)
    assert metrics.top_k_accuracy(y_true, scores, k=5) == 1.0  # k larger than C counts every class


def test_mse_and_mae():
    y_true = np.array([1.0, 2.0, 3.0, 4.0])
    y_pred = np.array([[1.5], [2.0], [1.0], [5.0]])  # errors 0.5, 0, -2, 1
    assert metrics.mse(y_true, y_pred) == pytest.approx((0.25 + 0 + 4 + 1) / 4)
    assert metrics.mae(y_true, y_pred) == pytest.approx((0.5 + 0 + 2 + 1) / 4)


Y_TRUE = [0, 0, 1, 1, 2, 2, 2]
Y_PRED = [0, 1, 1, 1, 2, 0, 2]


def test_confusion_matrix_counts():
    matrix = metrics.confusion_matrix(Y_TRUE, np.array(Y_PRED))
    expected = np.array([[1, 1, 0],
                         [0, 2, 0],
                         [1, 0, 2]])
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.dtype == np.int64 and isinstance(matrix, np.ndarray)


def test_confusion_matrix_from_scores_equals_from_labels():
    scores = np.eye(3)[Y_PRED] * 2.0 - 1.0
    np.testing.assert_array_equal(metrics.confusion_matrix(Y_TRUE, scores),
                                  metrics.confusion_matrix(Y_TRUE, np.array(Y_PRED)))


def test_confusion_matrix_row_normalised():
    matrix = metrics.confusion_matrix(Y_TRUE, np.array(Y_PRED), normalize="true")
    expected = np.array([[1 / 2, 1 / 2, 0],
                         [0, 1, 0],
                         [1 / 3, 0, 2 / 3]])
    np.testing.assert_allclose(matrix, expected)


def test_confusion_matrix_with_an_absent_class_gives_a_zero_row():
    matrix = metrics.confusion_matrix([0, 1, 0], np.array([0, 1, 1]), num_classes=4, normalize="true")
    assert matrix.shape == (4, 4)
    np.testing.assert_allclose(matrix[0], [0.5, 0.5, 0, 0])
    np.testing.assert_array_equal(matrix[2:], 0)


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="expected \\[0, 2\\)"):
        metrics.confusion_matrix([0, 1, 2], np.array([0, 1, 1]), num_classes=2)
    with pytest.raises(ValueError, match="normalize"):
        metrics.confusion_matrix([0, 1], np.array([0, 1]), normalize="all")


def test_format_confusion_matrix_is_a_readable_table():
    matrix = metrics.confusion_matrix(Y_TRUE, np.array(Y_PRED))
    text = metrics.format_confusion_matrix(matrix, ["cat", "dog", "bird"])
    lines = text.splitlines()
    assert len(lines) == 2 + 3  # header, rule, one row per class
    assert lines[0].split("|")[1].split() == ["cat", "dog", "bird"]
    assert lines[4].split("|")[0].strip() == "bird" and lines[4].split("|")[1].split() == ["1", "0", "2"]
    normalised = metrics.format_confusion_matrix(metrics.confusion_matrix(Y_TRUE, np.array(Y_PRED), normalize="true"))
    assert "0.67" in normalised and "0.50" in normalised
    with pytest.raises(ValueError, match="2 labels"):
        metrics.format_confusion_matrix(matrix, ["a", "b"])


# ---- segmentation ---------------------------------------------------------------------------
def test_pixel_iou_by_hand():
    truth = np.array([[[0, 0, 1], [1, 2, 2]]])          # (N, H, W)
    predicted = np.array([[[0, 1, 1], [1, 2, 0]]])
    np.testing.assert_array_equal(metrics.pixel_confusion_matrix(truth, predicted, 3),
                                  [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    # class 0: 1 hit, 2 + 2 - 1 = 3 in the union; class 1: 2 / 3; class 2: 1 / 2
    np.testing.assert_allclose(metrics.iou_per_class(truth, predicted, 3), [1 / 3, 2 / 3, 1 / 2])
    # class 3 is neither in the truth nor in the prediction: left out of the mean
    assert metrics.mean_iou(truth, predicted, 4) == pytest.approx((1 / 3 + 2 / 3 + 1 / 2) / 3)
    assert np.isnan(metrics.iou_per_class(truth, predicted, 4)[3])


def test_pixel_iou_from_scores_and_against_sets():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((2, 4, 5, 6))           # (N, C, H, W): the prediction is the argmax over dim 1
    truth = rng.integers(0, 4, (2, 5, 6))
    predicted = scores.argmax(axis=1)
    expected = [np.sum((truth == c) & (predicted == c)) / np.sum((truth == c) | (predicted == c)) for c in range(4)]
    np.testing.assert_allclose(metrics.iou_per_class(truth, lm.tensor(scores), 4), expected)
    np.testing.assert_allclose(metrics.iou_per_class(truth, predicted, 4), expected)
    with pytest.raises(ValueError, match=r"pixel_confusion_matrix: y_pred must be labels"):
        metrics.iou_per_class(truth, predicted[:, :4], 4)
