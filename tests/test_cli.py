"""The command line is documented: every command has Chinese help for itself and for each
of its options and arguments, and README.md shows every command in its Use section."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from jixiao.cli import app

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
COMMANDS: dict[str, click.Command] = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def test_the_commands_are_the_documented_ones():
    assert sorted(COMMANDS) == ["build", "collect", "confirm", "export", "init-data", "lint", "read", "status",
                                "summary", "verify", "void"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_chinese_help(name):
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    command = COMMANDS[name]
    assert CJK.search(command.help or ""), f"{name}: no Chinese help"
    assert CJK.search(result.output)
    for param in command.params:
        if param.name in ("help", "ctx"):
            continue
        text = getattr(param, "help", None) or ""
        assert CJK.search(text), f"{name} {param.name}: no Chinese help"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_in_readme(name):
    use = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Use", 1)[1].split("\n## ", 1)[0]
    assert re.search(rf"^jixiao {re.escape(name)}\b", use, re.M), f"jixiao {name} missing from README's Use section"


def test_templates_option_before_or_after_the_command(tmp_path):
    mine = tmp_path / "my-forms"
    mine.mkdir()
    runner = CliRunner()
    for args in (["--templates", str(mine), "build", "guizhou-zhengti", "--out", str(tmp_path / "a")],
                 ["build", "guizhou-zhengti", "--out", str(tmp_path / "b"), "--templates", str(mine)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    for args in (["--templates", str(tmp_path / "nowhere"), "lint", str(mine)],
                 ["lint", str(mine), "--templates", str(tmp_path / "nowhere")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "nowhere" in result.output and "不是文件夹" in result.output


def test_api_refuses_to_overwrite_and_the_cli_says_so_in_one_line(tmp_path):
    from jixiao.archive import Archive
    from jixiao.atomic import OutputExists, OutputIsFolder
    from jixiao.summary import write_summary

    out = tmp_path / "汇总表.xlsx"
    with Archive(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        write_summary(archive, 1999, out)
        with pytest.raises(OutputExists):
            write_summary(archive, 1999, out)
        write_summary(archive, 1999, out, force=True)
        with pytest.raises(OutputIsFolder):
            write_summary(archive, 1999, tmp_path, force=True)
    result = CliRunner().invoke(app, ["init-data", "hunan-zhengti", "--out", str(out)])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "--force" in result.output


def test_folders_expand_in_one_place(tmp_path):
    from jixiao.paths import expand_paths

    (tmp_path / "sub").mkdir()
    for name in ("b.xlsx", "a.xlsx", "~$a.xlsx", ".hidden.xlsx", "sub/c.xlsx", "sub/d.yaml"):
        (tmp_path / name).write_bytes(b"")
    assert [p.relative_to(tmp_path).as_posix() for p in expand_paths([tmp_path], recursive=True)] == [
        "a.xlsx", "b.xlsx", "sub/c.xlsx", "sub/d.yaml"]
    assert expand_paths([tmp_path], "*.yaml", subfolders=["sub"]) == [tmp_path / "sub" / "d.yaml"]
    assert expand_paths([tmp_path / "gone.xlsx"]) == [tmp_path / "gone.xlsx"]  # reported by the caller


@pytest.mark.parametrize("module", ["jixiao.paths", "jixiao.export", "jixiao.atomic", "jixiao.lint"])
def test_api_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
