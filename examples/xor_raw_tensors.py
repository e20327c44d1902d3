"""XOR learned by a 2-8-1 MLP built from raw tensors: no layers, no optimiser, only autograd.

    python examples/xor_raw_tensors.py

XOR is the classic problem a single perceptron cannot solve (it is not linearly separable);
one hidden layer of tanh units is enough.
"""
import lamina as lm

lm.manual_seed(0)
x = lm.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = lm.tensor([[0.0], [1.0], [1.0], [0.0]])

w1 = (lm.randn(2, 8) * 1.0).requires_grad_()
b1 = lm.zeros(8, requires_grad=True)
w2 = (lm.randn(8, 1) * 1.0).requires_grad_()
b2 = lm.zeros(1, requires_grad=True)
params = [w1, b1, w2, b2]
lr = 1.0

for epoch in range(2001):
    hidden = (x @ w1 + b1).tanh()                      # forward pass
    prediction = (hidden @ w2 + b2).sigmoid()
    loss = ((prediction - y) ** 2).mean()              # mean squared error
    for p in params:
        p.grad = None
    loss.backward()                                    # backpropagation
    with lm.no_grad():
        for p in params:                               # gradient descent: w <- w - lr dL/dw
            p -= lr * p.grad
    if epoch % 500 == 0:
        print(f"epoch {epoch:4d}  loss {loss.item():.5f}")

print("inputs      target  prediction")
for xi, yi, pi in zip(x.tolist(), y.tolist(), prediction.tolist()):
    print(f"{xi}  {yi[0]:.0f}       {pi[0]:.3f}")
accuracy = ((prediction.detach() > 0.5).float() == y).float().mean().item()
print(f"accuracy {accuracy:.0%}")
