"""lamina.cli: the lamina command (course, --version, help, unknown commands)."""


def test_cli(tmp_path, capsys):
    from lamina import cli

    assert cli.main(["course", "seed002", "--quick", "--output-dir", str(tmp_path)]) == 0
    assert "CYCLE" in capsys.readouterr().out
    assert cli.main(["--version"]) == 0 and "lamina" in capsys.readouterr().out
    assert cli.main([]) == 0 and "course" in capsys.readouterr().out
    assert cli.main(["frobnicate"]) == 2
