"""The op registry: the ops, their names and their Tensor methods all come from the family files."""
import importlib
import inspect
import pkgutil

import numpy as np

import lamina as lm
import lamina.functional as F
from lamina import nn, ops
from lamina.autograd import Function


def families():
    return [importlib.import_module(f"lamina.ops.{info.name}") for info in pkgutil.iter_modules(ops.__path__)
            if not info.name.startswith("_")]


def op_classes():
    return [cls for module in families() for cls in vars(module).values()
            if inspect.isclass(cls) and issubclass(cls, Function) and cls.__module__ == module.__name__]


def test_every_function_names_its_op_and_no_op_class_takes_a_layer_name():
    layers = {name for name, obj in vars(nn).items() if inspect.isclass(obj) and issubclass(obj, nn.Module)}
    classes = op_classes()
    assert len(classes) > 50
    for cls in classes:
        assert "name" in cls.__dict__ and cls.name.islower(), f"{cls.__name__} must set name = '<op>'"
        assert cls.__name__ not in layers, f"op class {cls.__name__} shares its name with nn.{cls.__name__}"


def test_every_public_function_of_a_family_is_an_op_of_lm_and_F():
    for module in families():
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != module.__name__:
                continue
            assert getattr(F, name) is obj and getattr(lm, name) is obj and name in ops.__all__


def test_tensor_methods_and_operators_are_the_ops_they_declare():
    x = lm.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    assert lm.Tensor.sum is F.sum and lm.Tensor.__add__ is F.add and lm.Tensor.view is F.view
    assert np.array_equal((2 - x).detach().numpy(), 2 - x.detach().numpy())        # reflected operand order
    assert np.array_equal(x.T.detach().numpy(), x.detach().numpy().T)              # a property
    assert np.array_equal(x.where(x > 0, 0.0).detach().numpy(), [[1.0, 0.0], [3.0, 4.0]])
    y = (x.relu() * 2).sum()
    assert y.grad_fn.name == "sum" and y.grad_fn.inputs[0].grad_fn.name == "mul"
    assert repr(x * 2).endswith("grad_fn=<MulBackward0>)")


def test_declared_methods_are_bound_and_undeclared_helpers_are_not():
    declared = {name for module in families() for obj in vars(module).values()
                for name in getattr(obj, "tensor_methods", ())}
    assert {"sum", "reshape", "relu", "__add__", "__matmul__", "T", "astype", "float"} <= declared
    for name in declared:
        assert hasattr(lm.Tensor, name)
    assert not hasattr(lm.Tensor, "sum_to") and not hasattr(lm.Tensor, "conv2d")


def test_no_two_ops_declare_the_same_tensor_method_or_op_name():
    """A second declaration would silently replace the first when its family loads later."""
    methods, names = {}, {}
    for module in families():
        for obj in {id(obj): obj for obj in vars(module).values()}.values():  # an alias (clip = clamp) once
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            for method in (*getattr(obj, "tensor_methods", ()), *getattr(obj, "reflected_methods", ())):
                assert method not in methods, f"Tensor.{method}: declared by {methods[method]} and {obj.__qualname__}"
                methods[method] = obj.__qualname__
            if inspect.isclass(obj) and issubclass(obj, Function) and "name" in obj.__dict__:
                names.setdefault(obj.name, []).append(f"{module.__name__}.{obj.__name__}")
    shared = {name: where for name, where in names.items() if len({w.rsplit('.', 1)[0] for w in where}) > 1}
    assert not shared, f"op names used by Functions of different families: {shared}"


def test_in_place_variants_come_from_the_ops_that_declare_them():
    """x.exp_() exists because exp says @tensor_method(inplace=True) beside its maths; the Tensor class keeps no
    list of op names. A declared variant never replaces an in-place method written out (x.add_, x.scatter_)."""
    declared = {name + "_" for module in families() for obj in vars(module).values()
                for name in getattr(obj, "inplace_methods", ())}
    assert {"exp_", "floor_", "cumsum_", "eq_", "bitwise_and_", "unsqueeze_", "t_"} <= declared
    for name in declared:
        assert callable(getattr(lm.Tensor, name))
    generated = {name for name, obj in vars(lm.Tensor).items()
                 if name.endswith("_") and (getattr(obj, "__doc__", "") or "").startswith("In place: x.")}
    assert generated <= declared
    assert lm.Tensor.add_.__qualname__ == "Tensor.add_"
    x = lm.tensor([0.0, 1.0])
    assert x.exp_() is x
    np.testing.assert_allclose(x.numpy(), np.exp([0.0, 1.0]), rtol=1e-6)
