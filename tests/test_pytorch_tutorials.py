"""PyTorch's beginner tutorials, as their users write them, with ``import lamina as torch`` and nothing else changed.

Each test follows the pattern of one tutorial (written here, not copied): the polynomial fits with tensors,
autograd, a custom autograd Function, nn, optim and a custom Module; the quickstart; building a model; the
autograd tutorial; "What is torch.nn really?"; and the MNIST example. Small synthetic data keep them fast;
where a tutorial prints, the test checks what it would print.
"""
import math
import random

import numpy as np
import pytest

import lamina as torch
import lamina.nn.functional as F
from lamina import nn, optim
from lamina.errors import DeviceError
from lamina.optim.lr_scheduler import StepLR
from lamina.utils.data import DataLoader, TensorDataset


def test_devices_as_the_tutorials_pick_them():
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    assert device == "cpu" and not torch.cuda.is_available() and not torch.backends.mps.is_available()
    dev = torch.device("cpu")
    assert repr(dev) == "device(type='cpu')" and str(dev) == "cpu" and dev == "cpu" == torch.device("cpu", 0)
    x = torch.linspace(-math.pi, math.pi, 5, device=dev, dtype=torch.float)
    assert x.device == dev and x.to(dev) is x and x.cpu() is x
    assert x.to(torch.float64).dtype == torch.float64 and x.to(dev, torch.float64).dtype == torch.float64
    assert x.to(torch.zeros(1, dtype=torch.float64)).dtype == torch.float64
    model = nn.Linear(5, 2).to(dev)
    assert model.to(device=dev) is model


def test_an_absent_device_is_a_clear_error_everywhere():
    for attempt in (lambda: torch.zeros(2, device="cuda"), lambda: torch.ones(2).to("cuda"),
                    lambda: torch.ones(2).cuda(), lambda: nn.Linear(2, 2).to("cuda:0"), lambda: nn.Linear(2, 2).cuda(),
                    lambda: torch.set_default_device("cuda")):
        with pytest.raises(DeviceError, match="not available"):
            attempt()
    with pytest.raises(DeviceError, match="no mps backend"):
        torch.randn(2, device="mps")
    torch.set_default_device("cpu")
    assert torch.get_default_device() == "cpu"


def test_tensor_polynomial_fit_with_manual_gradients():
    dtype, device = torch.float, torch.device("cpu")
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.randn((), device=device, dtype=dtype) for _ in range(4))
    learning_rate = 1e-6
    for t in range(2000):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        grad_y_pred = 2.0 * (y_pred - y)
        a -= learning_rate * grad_y_pred.sum()
        b -= learning_rate * (grad_y_pred * x).sum()
        c -= learning_rate * (grad_y_pred * x ** 2).sum()
        d -= learning_rate * (grad_y_pred * x ** 3).sum()
    assert loss < 50 and abs(d.item() + 0.09) < 0.02          # y ~ x - x^3 / 11


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = (5 x^3 - 3 x) / 2, with its derivative written by hand, as the tutorial does."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def test_custom_autograd_function_fits_the_legendre_model():
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float)
    y = torch.sin(x)
    a = torch.full((), 0.0, requires_grad=True)
    b = torch.full((), -1.0, requires_grad=True)
    c = torch.full((), 0.0, requires_grad=True)
    d = torch.full((), 0.3, requires_grad=True)
    learning_rate = 5e-6
    for t in range(2000):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    assert loss.item() < 10.0                                   # the tutorial ends near 8.9
    assert "LegendrePolynomial3Backward" in repr(y_pred.grad_fn.next_functions[1][0].next_functions[1][0])


def test_custom_function_context_api_matches_pytorch_semantics():
    class MulConstant(torch.autograd.Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            ctx.seen = ctx.needs_input_grad
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class SortValues(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, indices = x.sort()
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            return values, indices

        @staticmethod
        def backward(ctx, grad_values, grad_indices):
            indices, = ctx.saved_tensors
            grad = torch.zeros_like(grad_values)
            grad[indices] = grad_values
            return grad

    x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    y = MulConstant.apply(x, 2.5)
    y.sum().backward()
    assert x.grad.tolist() == [2.5, 2.5, 2.5]
    assert y.grad_fn.seen == (True, False) and y.grad_fn.constant == 2.5   # the node is the ctx, as in PyTorch
    values, indices = SortValues.apply(x)
    assert not indices.requires_grad and values.requires_grad
    x.grad = None
    (values * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]
    with torch.no_grad():
        assert not MulConstant.apply(x, 2.0).requires_grad
    assert torch.autograd.gradcheck(lambda t: LegendrePolynomial3.apply(t),
                                    (torch.randn(4, dtype=torch.float64, requires_grad=True),))


def test_nn_and_optim_polynomial_fits():
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    for t in range(2000):
        loss = loss_fn(model(xx), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= 1e-6 * param.grad
    linear_layer = model[0]
    assert loss.item() < 50 and linear_layer.weight[:, 2].item() < 0
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    for t in range(2000):
        loss = loss_fn(model(xx), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 20


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"


class DynamicNet(torch.nn.Module):
    """The dynamic-graph tutorial: a random number of reused layers each forward pass."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.d, self.e = (torch.nn.Parameter(torch.randn(())) for _ in range(5))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y


def test_custom_modules_and_a_dynamic_graph():
    torch.manual_seed(0)
    random.seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    for model, lr, steps, momentum in ((Polynomial3(), 1e-6, 2000, 0.0), (DynamicNet(), 1e-8, 4000, 0.9)):
        criterion = torch.nn.MSELoss(reduction="sum")
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        first = None
        for t in range(steps):
            loss = criterion(model(x), y)
            first = loss.item() if first is None else first
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        assert loss.item() < first / 2
    assert Polynomial3().string().startswith("y = ")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                                               nn.Linear(64, 10))

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


def digit_like_data(n=512, seed=0):
    """Ten classes of 28 x 28 images, each a noisy copy of its class's pattern."""
    rng = np.random.default_rng(seed)
    patterns = rng.random((10, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, n)
    images = patterns[labels] + 0.3 * rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
    return torch.from_numpy(images), torch.from_numpy(labels)


def test_quickstart_train_test_save_and_load(tmp_path):
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    torch.manual_seed(0)
    x, y = digit_like_data()
    train_dataloader = DataLoader(TensorDataset(x[:384], y[:384]), batch_size=64, shuffle=True)
    test_dataloader = DataLoader(TensorDataset(x[384:], y[384:]), batch_size=64)
    for X, y_batch in test_dataloader:
        assert str(X.shape) == "lamina.Size([64, 1, 28, 28])" and y_batch.dtype == torch.int64
        break
    model = NeuralNetwork().to(device)
    assert "(linear_relu_stack): Sequential(" in str(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 100 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                assert f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]"

    def test(dataloader, model, loss_fn):
        size, num_batches = len(dataloader.dataset), len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        return test_loss / num_batches, correct / size

    for t in range(10):
        train(train_dataloader, model, loss_fn, optimizer)
    loss, accuracy = test(test_dataloader, model, loss_fn)
    assert accuracy > 0.9
    path = tmp_path / "model.pth"
    torch.save(model.state_dict(), path)
    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load(path, weights_only=True, map_location=device))
    assert test(test_dataloader, model, loss_fn) == (loss, accuracy)


def test_build_model_prints_parameters_and_softmax():
    torch.manual_seed(0)
    model = NeuralNetwork()
    X = torch.rand(1, 28, 28, device="cpu")
    pred_probab = nn.Softmax(dim=1)(model(X))
    y_pred = pred_probab.argmax(1)
    assert y_pred.shape == torch.Size([1]) and abs(pred_probab.sum().item() - 1) < 1e-6
    input_image = torch.rand(3, 28, 28)
    assert nn.Flatten()(input_image).size() == torch.Size([3, 784])
    lines = [f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n"
             for name, param in model.named_parameters()]
    assert lines[0].startswith("Layer: linear_relu_stack.0.weight | Size: lamina.Size([64, 784]) | Values : tensor(")
    assert lines[0].rstrip().endswith("Backward0>)")


def test_autograd_tutorial():
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    assert f"Gradient function for z = {z.grad_fn}".startswith("Gradient function for z = <AddBackward0")
    assert repr(loss.grad_fn).startswith("<BinaryCrossEntropyWithLogitsBackward0")
    loss.backward()
    assert w.grad.shape == (5, 3) and b.grad.shape == (3,)
    with torch.no_grad():
        assert not (torch.matmul(x, w) + b).requires_grad
    assert not z.detach().requires_grad
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(torch.ones_like(out), retain_graph=True)
    assert torch.equal(inp.grad, 2 * first)
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    assert torch.equal(inp.grad, first)


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


@pytest.mark.usefixtures("needs_mnist")
def test_what_is_torch_nn_really(shared_data):
    images, labels = (t.numpy() for t in torch.datasets.mnist(root=shared_data, train=True).as_tensors())
    x_train, y_train, x_valid, y_valid = map(torch.tensor, (images[:5000].reshape(-1, 784), labels[:5000],
                                                            images[5000:6000].reshape(-1, 784), labels[5000:6000]))
    n, c = x_train.shape
    assert (n, c) == (5000, 784) and y_train.min() >= 0 and y_train.max() <= 9
    torch.manual_seed(0)
    weights = torch.randn(784, 10) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    def accuracy(out, yb):
        return (torch.argmax(out, dim=1) == yb).float().mean()

    bs, lr = 64, 0.5
    for epoch in range(1):
        for i in range((n - 1) // bs + 1):
            xb, yb = x_train[i * bs:i * bs + bs], y_train[i * bs:i * bs + bs]
            loss = nll(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
    assert accuracy(model(x_valid), y_valid) > 0.85                # one epoch of 5,000 digits
    np.testing.assert_allclose(F.cross_entropy(xb @ weights + bias, yb).item(), nll(model(xb), yb).item(),
                               rtol=1e-4)

    def preprocess(x):
        return x.view(-1, 1, 28, 28)

    def cnn_of(library):
        """The tutorial's CNN, in Lamina or (for the comparison) in PyTorch itself."""
        class LambdaOf(library.nn.Module):
            def __init__(self, func):
                super().__init__()
                self.func = func

            def forward(self, x):
                return self.func(x)

        layers = library.nn
        return layers.Sequential(LambdaOf(preprocess), layers.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
                                 layers.ReLU(), layers.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
                                 layers.ReLU(), layers.AdaptiveAvgPool2d(1), LambdaOf(lambda x: x.view(x.size(0), -1)))

    def loss_batch(model, loss_func, xb, yb, opt=None):
        loss = loss_func(model(xb), yb)
        if opt is not None:
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss.item(), len(xb)

    def fit(library, model, train_dl, valid_dl):
        opt = library.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, library.nn.functional.cross_entropy, xb, yb, opt)
        model.eval()
        with library.no_grad():
            losses, nums = zip(*[loss_batch(model, library.nn.functional.cross_entropy, xb, yb) for xb, yb in valid_dl])
        return np.sum(np.multiply(losses, nums)) / np.sum(nums)

    import torch as pytorch
    pytorch.manual_seed(0)
    reference = cnn_of(pytorch)
    cnn = cnn_of(torch)
    cnn.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy()) for k, v in reference.state_dict().items()})
    ours = fit(torch, cnn, DataLoader(TensorDataset(x_train, y_train), batch_size=bs),
               DataLoader(TensorDataset(x_valid, y_valid), batch_size=bs * 2))
    pairs = [(pytorch.from_numpy(x_train.numpy()), pytorch.from_numpy(y_train.numpy())),
             (pytorch.from_numpy(x_valid.numpy()), pytorch.from_numpy(y_valid.numpy()))]
    theirs = fit(pytorch, reference, pytorch.utils.data.DataLoader(pytorch.utils.data.TensorDataset(*pairs[0]),
                                                                  batch_size=bs),
                 pytorch.utils.data.DataLoader(pytorch.utils.data.TensorDataset(*pairs[1]), batch_size=bs * 2))
    assert ours == pytest.approx(theirs, rel=1e-3)   # the same training, step for step (float32 rounding apart)


class Net(nn.Module):
    """The MNIST example's network."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


@pytest.mark.usefixtures("needs_mnist")
def test_the_mnist_example_loop(shared_data):
    torch.manual_seed(1)
    use_accel = torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    x, y = torch.datasets.mnist(root=shared_data, train=True).as_tensors()
    x = (x - 0.1307) / 0.3081                                 # transforms.Normalize((0.1307,), (0.3081,))
    train_loader = DataLoader(TensorDataset(x[:1024], y[:1024]), batch_size=64, shuffle=True)
    test_loader = DataLoader(TensorDataset(x[1024:1536], y[1024:1536]), batch_size=256)
    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, 3):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
        scheduler.step()
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    assert correct / len(test_loader.dataset) > 0.85          # 2 epochs of 1,024 digits
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.7 ** 2)
