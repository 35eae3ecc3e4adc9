"""The command line is documented: every command (``jixiao task new`` as well as ``jixiao
lint``) has Chinese help for itself and for each of its options and arguments, and
README.md shows every command in its Use section."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from jixiao.cli import app

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
GROUP: click.Group = typer.main.get_command(app)  # type: ignore[assignment]


def _leaves(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    """Every command by its full name: ``lint``, ``task new``."""
    found: dict[str, click.Command] = {}
    for name, cmd in group.commands.items():
        if isinstance(cmd, TyperGroup):
            found.update(_leaves(cmd, f"{prefix}{name} "))
        else:
            found[prefix + name] = cmd
    return found


COMMANDS = _leaves(GROUP)
GROUPS = [name for name, cmd in GROUP.commands.items() if isinstance(cmd, TyperGroup)]


def test_the_commands_are_the_documented_ones():
    assert sorted(COMMANDS) == [
        "account create", "audit", "build", "collect", "confirm", "export", "init-data", "links issue", "links list", "links revoke",
        "lint", "read", "review annotated", "review confirm", "review file", "review send-back", "review show",
        "review void", "serve", "status",
        "summary", "task board", "task build", "task form", "task forms", "task list", "task new", "task receive", "task roster",
        "verify", "void"]
    assert sorted(GROUPS) == ["account", "links", "review", "task"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_chinese_help(name):
    result = CliRunner().invoke(app, [*name.split(), "--help"])
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
def test_command_is_documented(name):
    """Each command is in docs/cli.md's list; each command of the app itself (not of a
    group) is also shown in README's Use section."""
    listed = ROOT.joinpath("docs", "cli.md").read_text(encoding="utf-8").split("## Every command", 1)[1]
    assert re.search(rf"^\| `jixiao {re.escape(name)}` \|", listed, re.M), f"jixiao {name} missing from docs/cli.md"
    if " " not in name:
        use = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Use", 1)[1].split("\n## ", 1)[0]
        assert re.search(rf"^jixiao {re.escape(name)}\b", use, re.M), f"jixiao {name} missing from README's Use"


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
    from jixiao.outputs.summary import write_summary

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


# ------------------------------------------------------------------ the bureau's language (issue 17)

ENGLISH_FRAME = ("Usage", "Options", "Arguments", "Show this message", "[required]", "<bool>", "<int>", "<str>",
                 "<path>", "<list")


def _help_keys(name: str) -> list[str]:
    from jixiao.codes import cli as C

    keys = [name]
    for param in COMMANDS[name].params:
        key = f"{name}.{param.name}" if f"{name}.{param.name}" in C.HELP else param.name
        assert key in C.HELP, f"{name} {param.name}: no entry in jixiao.codes.cli.HELP"
        keys.append(key)
    return keys


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_page_is_in_chinese(name):
    """Every word of the page is the catalogue's Chinese: frame, option values, descriptions."""
    from jixiao.codes import cli as C

    page = CliRunner().invoke(app, [*name.split(), "--help"], prog_name="jixiao")
    assert page.exit_code == 0, page.output
    assert page.output.startswith(f"用法：jixiao {name} [选项]")
    for english in ENGLISH_FRAME:
        assert english not in page.output, (name, english)
    assert "选项：" in page.output and "显示本帮助并退出" in page.output
    for key in _help_keys(name):  # every option described, in Chinese, not in English
        zh, en = C.HELP[key].zh, C.HELP[key].en
        assert zh.split("\n")[0] in page.output, (name, key)
        assert en.split("\n")[0] not in page.output, (name, key)
    for param in COMMANDS[name].params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert opt in page.output, (name, opt)


@pytest.mark.parametrize("how", ["--lang before", "--lang after", "LANG"])
def test_help_page_in_english_on_request(how):
    from jixiao.codes import cli as C

    args, env = {"--lang before": (["--lang", "en", "status", "--help"], {}),
                 "--lang after": (["status", "--lang", "en", "--help"], {}),
                 "LANG": (["status", "--help"], {"LANG": "en_US.UTF-8", "LC_ALL": None, "LC_MESSAGES": None})}[how]
    page = CliRunner().invoke(app, args, env=env, prog_name="jixiao")
    assert page.exit_code == 0, page.output
    assert page.output.startswith("Usage: jixiao status [OPTIONS]")
    assert C.HELP["status"].en in page.output and "--year YEAR" in page.output and not CJK.search(
        page.output.replace("未交", "").replace("单位编码", "").replace("单位名称", ""))


@pytest.mark.parametrize("group", ["", *GROUPS])
def test_group_help_lists_every_command_in_chinese(group):
    from jixiao.codes import cli as C

    page = CliRunner().invoke(app, [*group.split(), "--help"], env={"LANG": "zh_CN.UTF-8", "LC_ALL": None},
                              prog_name="jixiao")
    assert page.exit_code == 0 and page.output.startswith(f"用法：jixiao {group} [选项] 命令".replace("  ", " "))
    listed = GROUP.commands[group].commands if group else GROUP.commands  # type: ignore[attr-defined]
    for name in listed:
        key = f"{group} {name}".strip()
        assert re.search(rf"^  {re.escape(name)} +{re.escape(C.HELP[key].zh.splitlines()[0])}$", page.output, re.M)


@pytest.fixture(scope="module")
def three_returns(tmp_path_factory):
    """One return with an error (saved values as a spreadsheet saves them), two clean ones
    that were never recalculated (a V108 note each)."""
    import shutil

    from forms import build_filled, seed_000_values
    from test_versions import without_values

    folder, scratch = tmp_path_factory.mktemp("returns"), tmp_path_factory.mktemp("scratch")
    build_filled("guizhou-zhengti", seed_000_values, folder / "a_有错.xlsx")

    def fixed(layout):
        values = seed_000_values(layout)
        values["zt_fund_total_initial"] = 444.38
        return values

    for name in ("b_无误.xlsx", "c_无误.xlsx"):
        built, _ = build_filled("guizhou-zhengti", fixed, scratch / f"saved-{name}")
        shutil.copy(without_values(built, scratch / name), folder / name)
    return folder


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_verify_prints_the_summary_first_and_counts_notes(three_returns):
    import json

    runner = CliRunner()
    out = runner.invoke(app, ["verify", str(three_returns)])
    assert out.exit_code == 1
    lines = _lines(out.stdout)
    assert lines[0] == "共 3 份报表：2 份通过（其中 2 份有警告），1 份待修改，0 份格式错误"  # seed 000: 志愿服务 400 of 1
    assert lines[1].startswith("2 条提示：文件未经电子表格软件计算保存") and lines[1].endswith("（V108），见 --verbose")
    assert not any("提示 V108" in line for line in lines)
    assert any(line.endswith("a_有错.xlsx — 待修改：1 个错误，1 个警告") for line in lines)
    # one line per finding, the whole Chinese message on it (no wrap when piped), no English
    found = json.loads(runner.invoke(app, ["verify", str(three_returns), "--json"]).stdout)
    level = {"error": "  错误 ", "warning": "  警告 "}
    for f in (f for r in found if r["status"] == "待修改" for f in r["findings"] if f["severity"] != "note"):
        assert any(line.startswith(level[f["severity"]]) and f["message_zh"] in line for line in lines), f
        assert f["message_en"] not in out.stdout

    verbose = _lines(runner.invoke(app, ["verify", str(three_returns), "--verbose"]).stdout)
    assert sum("提示 V108" in line for line in verbose) == 2 and sum(line.startswith("✓") for line in verbose) == 0

    quiet = _lines(runner.invoke(app, ["verify", str(three_returns), "--quiet"]).stdout)
    assert len(quiet) == 2 and quiet[0].startswith("共 3 份报表") and quiet[1].endswith("待修改：1 个错误，1 个警告")


def test_verify_in_english(three_returns):
    out = CliRunner().invoke(app, ["--lang", "en", "verify", str(three_returns)])
    lines = _lines(out.stdout)
    assert lines[0] == "3 return(s): 2 passed (2 with warnings), 1 need fixing, 0 in the wrong format"
    assert lines[1].startswith("2 note(s): no saved values") and lines[1].endswith("(V108); see --verbose")
    assert any(line.startswith("  error CHK_FUNDS_SUM ") for line in lines)
    assert any(line.endswith("a_有错.xlsx — needs fixing: 1 error(s), 1 warning(s)") for line in lines)


def test_build_from_data_counts_d203_notes(tmp_path):
    from test_dataset import generate

    (tmp_path / "data").mkdir()
    dept, _ = generate(tmp_path / "data", 12)
    runner = CliRunner()
    out = runner.invoke(app, ["build", "guizhou-zhengti", "--data", str(dept), "--out", str(tmp_path / "out"),
                              "--jobs", "1"])
    notes = [line for line in out.output.splitlines() if "D203" in line]
    assert len(notes) == 1 and re.fullmatch(r"\d+ 条提示：年度指标值按定性指标处理（D203），见 --verbose", notes[0])
    assert out.stdout.lstrip().startswith(f"guizhou-zhengti → {tmp_path / 'out'}")  # the summary table first
    verbose = runner.invoke(app, ["build", "guizhou-zhengti", "--data", str(dept), "--out", str(tmp_path / "v"),
                                  "--jobs", "1", "--verbose"])
    assert sum(" 提示 D203 " in line for line in verbose.output.splitlines()) == int(notes[0].split(" ")[0])
    quiet = runner.invoke(app, ["build", "guizhou-zhengti", "--data", str(dept), "--out", str(tmp_path / "q"),
                                "--jobs", "1", "--quiet"])
    assert "D203" not in quiet.output and " 错误 " in quiet.output  # the errors are still shown


@pytest.mark.parametrize(("args", "zh", "en"), [
    (["status"], "错误：缺少选项 --year。用 jixiao status --help 查看说明。",
     "Error: missing option --year. See jixiao status --help."),
    (["status", "--yaer", "3"], "错误：没有选项 --yaer（是否想用 --year）。", "Error: no such option --yaer (did you mean --year)."),
    (["status", "--year", "二〇二三"], "错误：--year 的值不对：应为整数。", "Error: bad value for --year: must be a whole number."),
    (["verify"], "错误：缺少报表。", "Error: missing RETURN."),
    (["stauts"], "错误：没有命令 stauts。", "Error: no such command stauts."),
])
def test_mistakes_on_the_command_line_are_told_in_the_bureaus_language(args, zh, en):
    runner = CliRunner()
    mistake = runner.invoke(app, args, prog_name="jixiao", env={"LANG": "zh_CN.UTF-8", "LC_ALL": None})
    assert mistake.exit_code == 2
    usage, line = mistake.output.splitlines()
    assert usage.startswith("用法：jixiao") and line.startswith(zh)
    english = runner.invoke(app, ["--lang", "en", *args], prog_name="jixiao")
    assert english.exit_code == 2 and english.output.splitlines()[1].startswith(en)
