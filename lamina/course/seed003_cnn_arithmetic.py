"""Seed 003, "Introduction to deep learning" (TACC): the arithmetic of dense and convolutional layers.

    parameters of a dense layer  = inputs x units + units (one bias per unit)
    parameters of a conv layer   = out_channels x (in_channels x kh x kw + 1), whatever the image size
    convolution output           = (H - kh + 1) x (W - kw + 1) without padding, stride 1

Worked here: the 4-4-1 network, a dense layer on a 400x400x3 image (counted, never allocated), the
slide's 3x3 convolution and 2x2 pooling, the {-1, 1} edge kernel on a 320 x 280 image and its cost
against a dense layer, and LeNet-5 with the partial C3 connections of Table I.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn
from ..models import LECUN_C3_TABLE, PAPER_PARAMETERS, LeNet5, c3_connection_mask
from ..tensor import Tensor
from ..train import summary
from .report import Comparison, section, step

NAME = "seed003"
DESCRIPTION = ("parameter counts (4-4-1, dense on 400x400x3), the 3x3 convolution, pooling, the {-1,1} edge "
               "kernel's cost, LeNet-5 with Table I")

CONV_INPUT = ((3, 3, 2, 1, 0), (0, 0, 1, 3, 1), (3, 1, 2, 2, 3), (2, 0, 0, 2, 2), (2, 0, 0, 0, 1))
CONV_KERNEL = ((0, 1, 2), (2, 2, 0), (0, 1, 2))
CONV_OUTPUT = ((12, 12, 17), (10, 17, 19), (9, 6, 14))  # what the slide shows
POOL_INPUT = ((1, 3, 5, 3), (4, 2, 3, 1), (3, 1, 1, 3), (0, 1, 0, 4))
MAX_POOL_OUTPUT = ((4, 5), (3, 4))
SEED_TABLE_I_X_PER_ROW = (10, 10, 10, 10, 10, 10)  # X marks in each row of the seed's Table I


def _image(rows) -> Tensor:
    return Tensor._wrap(np.asarray(rows, dtype=np.float32)[None, None])


def dense_parameters(inputs: int, units: int) -> int:
    """inputs x units weights + units biases."""
    return inputs * units + units


def run(output_dir="course_output", quick=False, print_fn=print) -> dict:
    table = Comparison("seed 003: what the slides say and what Lamina computes")
    out = {}

    # ---- the 4-4-1 network --------------------------------------------------------------------------
    section("Seed 003, step 1: parameters of the 4-4-1 network", print_fn)
    net = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
    s = summary(net, (4,), print_fn=print_fn)
    weights = sum(m.weight.numel() for m in net if isinstance(m, nn.Linear))
    biases = sum(m.bias.numel() for m in net if isinstance(m, nn.Linear))
    step(f"weights 4*4 + 4*1 = {weights}, biases 4 + 1 = {biases}, total {s.total_params}", print_fn)
    out["net_441"] = {"weights": weights, "biases": biases, "total": s.total_params}
    table.add("4-4-1 weights", "4*4 + 4*1 + 1 = 21", weights, agrees=False,
              why="4*4 + 4*1 = 20: the '+ 1' is not a weight (the output's bias is already in 'biases: 4 + 1')")
    table.add("4-4-1 biases", 5, biases)
    table.add("4-4-1 total", 25, s.total_params, note="20 weights + 5 biases")

    # ---- a dense layer on a 400x400x3 image ---------------------------------------------------------
    section("Seed 003, step 2: a dense layer on a 400 x 400 x 3 image (counted from shapes, never allocated)",
            print_fn)
    inputs = 400 * 400 * 3
    same = dense_parameters(inputs, inputs)
    thousand = dense_parameters(inputs, 1000)
    step(f"inputs: 400 * 400 * 3 = {inputs:,}", print_fn)
    step(f"{inputs:,} units:  {inputs:,} * {inputs:,} + {inputs:,} = {same:,} parameters "
         f"({same * 4 / 1e9:,.1f} GB in float32)", print_fn)
    step(f"1,000 units:    {inputs:,} * 1,000 + 1,000 = {thousand:,} parameters ({thousand * 4 / 1e9:.2f} GB)",
         print_fn)
    small = nn.Linear(4 * 4 * 3, 4 * 4 * 3)
    check = summary(small, (48,), print_fn=None).total_params
    step(f"the same formula on a 4x4x3 image, where the layer can be built: Linear(48, 48) has {check:,} "
         f"= 48 * 48 + 48 = {dense_parameters(48, 48):,} parameters (Lamina's summary)", print_fn)
    conv = nn.Conv2d(3, 64, 3)
    step(f"a Conv2d(3, 64, 3) on the same 400x400x3 image: 64 * (3*3*3 + 1) = {conv.num_parameters():,} "
         f"parameters, whatever the image size", print_fn)
    out["dense_400x400x3"] = {"inputs": inputs, "params_same_units": same, "params_1000_units": thousand,
                              "small_check": check, "conv_3_64_3": conv.num_parameters()}
    table.add("dense 480,000 -> 480,000", "480000*480000 + 480000 + 1 ~ 230 billion", same, agrees=True,
              note=f"{same:,} = 230.4 billion; the '+ 1' is one parameter too many")
    table.add("dense 480,000 -> 1,000", "480000*1000 + 1000 + 1 ~ 480 million", thousand, agrees=True,
              note=f"{thousand:,}; again '+ 1' too many, negligible")

    # ---- the 3x3 convolution and the pooling of the slides ------------------------------------------
    section("Seed 003, step 3: the slide's 3x3 convolution and 2x2 pooling (F.conv2d, F.max_pool2d, F.avg_pool2d)",
            print_fn)
    y = F.conv2d(_image(CONV_INPUT), _image(CONV_KERNEL)).data[0, 0]
    step(f"input 5x5 {np.asarray(CONV_INPUT).tolist()}, kernel {np.asarray(CONV_KERNEL).tolist()}", print_fn)
    step("output[0, 0] = 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12  (no kernel flip: a "
         "cross-correlation, as in every framework)", print_fn)
    step(f"output 3x3 (5 - 3 + 1 = 3): {y.astype(int).tolist()}", print_fn)
    letters = F.conv2d(Tensor._wrap(np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4)),
                       Tensor._wrap(np.ones((1, 1, 2, 2), np.float32)))
    step(f"the slide's symbolic example, a 3x4 input and a 2x2 kernel: output {tuple(letters.shape[2:])} "
         "(aw + bx + ey + fz, bw + cx + fy + gz, ...)", print_fn)
    pool_in = _image(POOL_INPUT)
    maxp = F.max_pool2d(pool_in, 2, 2).data[0, 0]
    avgp = F.avg_pool2d(pool_in, 2, 2).data[0, 0]
    step(f"pooling input {np.asarray(POOL_INPUT).tolist()}: 2x2 max, stride 2 -> {maxp.astype(int).tolist()}; "
         f"2x2 average -> {avgp.tolist()}", print_fn)
    out.update(conv_output=y.tolist(), symbolic_output_shape=list(letters.shape[2:]), max_pool=maxp.tolist(),
               avg_pool=avgp.tolist())
    table.add("3x3 convolution output", np.asarray(CONV_OUTPUT), y)
    table.add("2x2 max pooling", np.asarray(MAX_POOL_OUTPUT), maxp)
    table.add("2x2 average pooling", "(not shown)", avgp, agrees=True, note="[[2.5, 3], [1.25, 2]]")

    # ---- the {-1, 1} edge kernel and its cost --------------------------------------------------------
    out["edge"] = edge_kernel_cost(table, print_fn)

    # ---- LeNet-5 -------------------------------------------------------------------------------------
    out["lenet"] = lenet_parameters(table, print_fn)

    table.show(print_fn)
    out["comparison"] = table.as_dicts()
    out["disagreements"] = len(table.disagreements)
    return out


def _test_image(height=280, width=320) -> tuple:
    """A grey height x width image: the middle of scikit-learn's china.jpg if it can be read, else a
    drawn pattern (a bright disc on a ramp)."""
    try:
        from .seed001_backprop import _sample_photo

        photo = _sample_photo("china.jpg") @ np.float32([0.299, 0.587, 0.114])
        top, left = (photo.shape[0] - height) // 2, (photo.shape[1] - width) // 2
        return np.ascontiguousarray(photo[top:top + height, left:left + width]), "china.jpg (middle crop)"
    except (ImportError, OSError):
        rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
        disc = ((rows - height / 2) ** 2 + (cols - width / 2) ** 2 < (height / 4) ** 2).astype(np.float32)
        return 0.5 * cols / width + 0.5 * disc, "a drawn disc on a ramp (no photo available)"


def edge_kernel_cost(table: Comparison, print_fn=print) -> dict:
    section("Seed 003, step 4: the {-1, 1} edge kernel on a 320 x 280 image, and what a dense layer would cost",
            print_fn)
    image, source = _test_image()
    layer = nn.Conv2d(1, 1, (1, 2), bias=False)
    layer.weight.data[...] = np.float32([[[[-1, 1]]]])
    y = layer(Tensor._wrap(image[None, None])).data[0, 0]
    height, width = y.shape
    step(f"{source}: {image.shape[1]} wide x {image.shape[0]} tall; kernel (-1, 1) along each row: "
         f"y[r, c] = x[r, c + 1] - x[r, c]", print_fn)
    step(f"output {width} wide x {height} tall (320 - 2 + 1 = 319); |y| mean {np.abs(y).mean():.4f}, "
         f"max {np.abs(y).max():.3f} (vertical edges)", print_fn)
    outputs = width * height
    conv_ops = outputs * 3                   # 2 multiplications + 1 addition per output
    dense_entries = 320 * 280 * outputs      # one weight per (input, output) pair
    dense_ops = outputs * (2 * 320 * 280 - 1)  # per output: 89,600 multiplications + 89,599 additions
    flops = summary(layer, (1, 280, 320), flops=True, print_fn=None).total_flops
    step(f"convolution: {width} * {height} outputs * 3 ops (2 multiplications, 1 addition) = {conv_ops:,}", print_fn)
    step(f"dense layer: a {outputs:,} x {320 * 280:,} matrix = 320 * 280 * 319 * 280 = {dense_entries:,} "
         f"weights, i.e. {dense_entries:,} multiplications; with the additions {dense_ops:,} ops", print_fn)
    step(f"ratio: {dense_ops / conv_ops:,.0f}x more work (or {dense_entries / (2 * outputs):,.0f}x counting "
         f"multiplications only; the slide's two numbers, ops against multiplications, give "
         f"{dense_entries / conv_ops:,.0f}x); the dense matrix is all zeros but 2 entries per row", print_fn)
    step(f"Lamina's summary counts {flops:,} FLOPs for this layer: it counts each multiply-add as 2, "
         f"i.e. 4 per output; the exact count is 3 (the first addition adds to nothing)", print_fn)
    table.add("edge output size (w x h)", "319 x 280", f"{width} x {height}", agrees=(width, height) == (319, 280))
    table.add("convolution ops", "319 x 280 x 3", conv_ops, agrees=conv_ops == 319 * 280 * 3,
              note=f"= {319 * 280 * 3:,}")
    table.add("dense approach", "320 x 280 x 319 x 280", dense_entries, agrees=dense_entries == 320 * 280 * 319 * 280,
              note=f"= {dense_entries:,}: matrix entries = multiplications; with additions ~2x, {dense_ops:,}")
    return {"source": source, "input_shape": list(image.shape), "output_shape": [height, width],
            "conv_ops": conv_ops, "dense_entries": dense_entries, "dense_ops": dense_ops, "summary_flops": flops,
            "mean_abs": float(np.abs(y).mean())}


def lenet_parameters(table: Comparison, print_fn=print) -> dict:
    section("Seed 003, step 5: LeNet-5 with the partial C3 connections of Table I", print_fn)
    mask = c3_connection_mask("lecun").astype(int)
    step("Table I (rows: S2 maps, columns: C3 maps; X = connected), as Lamina's mask:", print_fn)
    step("     " + " ".join(f"{j:>2d}" for j in range(16)), print_fn)
    for i in range(6):
        step(f"  {i}: " + " ".join(" X" if mask[j, i] else "  " for j in range(16)), print_fn)
    inputs_per_map = mask.sum(axis=1)
    step(f"inputs per C3 map: {inputs_per_map.tolist()}  ({int(mask.sum())} connections of 96)", print_fn)
    step(f"C3 parameters: {int(mask.sum())} kernels * 25 + 16 biases = {int(mask.sum()) * 25 + 16:,} "
         "(with full connections: 96 * 25 + 16 = 2,416)", print_fn)
    model = LeNet5("lecun", activation="tanh", pooling="trainable")
    s = summary(model, (1, 32, 32), print_fn=print_fn)
    counts = model.parameter_counts()
    step("the summary counts the stored C3 weight (16 x 6 x 5 x 5 + 16 = 2,416): 900 of those weights are "
         "masked to zero and get zero gradient, so the layer learns 1,516", print_fn)
    paper_layers = {"C1": "c1", "S2": "s2", "C3": "c3", "S4": "s4", "C5": "c5", "F6": "f6"}
    through_f6 = sum(counts[name] for name in paper_layers.values())
    for paper_name, name in paper_layers.items():
        step(f"{paper_name}: paper {PAPER_PARAMETERS[paper_name]:>6,}   Lamina {counts[name]:>6,}", print_fn)
    step(f"C1..F6: paper {sum(PAPER_PARAMETERS.values()):,}, Lamina {through_f6:,}; the output layer is a "
         f"Linear(84, 10) here ({counts['output']:,} parameters) where the paper has 84-to-10 RBF units with "
         f"hand-set, fixed centres", print_fn)
    plain = LeNet5("full", pooling="avg")
    step(f"for comparison: full C3 and parameter-free average pooling {plain.num_free_parameters():,}; Table I with "
         f"average pooling {LeNet5('lecun', pooling='avg').num_free_parameters():,}", print_fn)
    for paper_name, name in paper_layers.items():
        table.add(f"LeNet-5 {paper_name} parameters", PAPER_PARAMETERS[paper_name], counts[name],
                  note="the paper's count (the seed only asks)")
    table.add("LeNet-5 C1..F6 total", 60000, through_f6, note="the paper's '60,000 trainable parameters'")
    table.add("Table I connections", sum(SEED_TABLE_I_X_PER_ROW), int(mask.sum()),
              note="10 X per row; the seed's text lost the blank cells, so the columns come from the paper")
    return {"table_i": [list(t) for t in LECUN_C3_TABLE], "connections": int(mask.sum()), "counts": dict(counts),
            "through_f6": through_f6, "total": model.num_free_parameters(), "summary_total": s.total_params,
            "full_avg_total": plain.num_free_parameters()}
