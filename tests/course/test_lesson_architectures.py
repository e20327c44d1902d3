"""The architectures lesson (lamina/course/lessons/architectures.py): its table is counted from the models, and
the counts are torchvision's."""
import importlib
import struct

import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# torchvision's parameter counts and published GFLOPS (multiply-adds) at 224x224
TORCHVISION = {"alexnet": (61_100_840, 0.71), "googlenet": (6_624_904, 1.50), "resnet18": (11_689_512, 1.81),
               "resnet34": (21_797_672, 3.66), "resnet50": (25_557_032, 4.09)}
DEPTH = {"alexnet": 8, "googlenet": 22, "resnet18": 18, "resnet34": 34, "resnet50": 50}


@pytest.fixture(scope="module")
def lesson():
    return importlib.import_module("lamina.course.lessons.architectures")


@pytest.fixture(scope="module")
def quick_run(lesson, tmp_path_factory):
    folder = tmp_path_factory.mktemp("architectures")
    return lesson.run(output_dir=str(folder), quick=True), folder


def test_protocol(lesson):
    assert lesson.NAME == "architectures" and lesson.DESCRIPTION and callable(lesson.run)


def test_counts_are_torchvisions_and_computed_from_the_models(quick_run):
    result, _ = quick_run
    assert result["skipped"] == ["vgg16", "vgg19"]                    # quick mode leaves the 140 M-parameter VGGs out
    assert set(result["models"]) == set(TORCHVISION)
    for name, (parameters, gflops) in TORCHVISION.items():
        row = result["models"][name]
        assert row["parameters"] == parameters, name
        assert round(row["macs"] / 1e9, 2) == gflops, name
        assert row["depth"] == DEPTH[name], name
    assert result["linear_share"]["alexnet"] > 0.95 and result["linear_share"]["googlenet"] < 0.2


def test_published_errors_and_papers(quick_run):
    rows = quick_run[0]["models"]
    assert rows["alexnet"]["year"] == 2012 and rows["alexnet"]["top5_paper"] == 15.3
    assert rows["googlenet"]["top5_paper"] == 6.67 and "Going deeper" in rows["googlenet"]["paper"]
    assert rows["resnet18"]["top5_paper"] is None                    # the ResNet paper gives ResNet-18's top-1 only
    errors = [rows[name]["top5_torchvision"] for name in ("resnet50", "googlenet", "alexnet")]
    assert errors == sorted(errors)


def test_the_depth_counts_the_longest_path_of_weight_layers(lesson):
    import lamina as lm

    block = lm.models.Inception(8, 2, 2, 2, 2, 2, 2)                  # 1x1 then 3x3 on its longest branch
    assert lesson.depth(block) == 2
    assert lesson.depth(lm.models.ResNet(lm.models.BasicBlock, [1, 1, 1, 1], num_classes=2)) == 1 + 8 + 1


def test_the_figure_is_a_png(quick_run):
    result, folder = quick_run
    path, = result["figures"]
    assert path.startswith(str(folder))
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_MAGIC and struct.unpack(">II", head[16:24])[0] >= 400
