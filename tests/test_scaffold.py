"""`govcrawl new`: module and fixture folder of a new county, always into a tmp root here."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from govcrawl.cli import main
from govcrawl.divisions import region_for_code
from govcrawl.scaffold import new_portal
from govcrawl.spiders.platforms.yn_pc import YnPcSpider

ROOT = Path(__file__).resolve().parents[1]
URL = "https://www.county-example.gov.cn/mgxrmzf/c1/pc/list.html"


def load_module(path):
    spec = importlib.util.spec_from_file_location(f"scaffolded_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_new_writes_a_declarative_module_on_the_detected_platform(tmp_path):
    made = new_portal("yn_maguanx", URL, region_code="532625", root=tmp_path)
    assert made.module == tmp_path / "govcrawl" / "spiders" / "yn_maguanx.py"
    spider = load_module(made.module).YnMaguanxSpider
    assert issubclass(spider, YnPcSpider) and made.platform == "yn-pc"
    assert spider.name == "yn_maguanx"
    assert spider.region == region_for_code("532625")
    assert spider.chinese_name == "马关县人民政府"
    assert spider.allowed_domains == ["www.county-example.gov.cn"]
    assert spider.channels == {"栏目": URL}
    assert "Source: TODO" in made.module.read_text("utf-8")
    lint = subprocess.run(  # linted as if it sat in this checkout's govcrawl/spiders/
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--stdin-filename",
         "govcrawl/spiders/yn_maguanx.py", "-"],
        input=made.module.read_text("utf-8"), cwd=ROOT, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_fixture_folder_is_laid_out_but_empty_so_the_registry_test_fails(tmp_path):
    made = new_portal("gd_longchuan", "http://www.longchuan.gov.cn/xw/zwdt/", region_code="441622",
                      platform="gd-jyh", channel="政务动态", root=tmp_path)
    fixture = tmp_path / "tests" / "fixtures" / "gd_longchuan"
    assert made.fixture == fixture
    assert (fixture / "expected.jsonl").read_text() == ""  # "expected.jsonl is empty"
    host = fixture / "pages" / "www.longchuan.gov.cn"
    assert host.is_dir() and not any(host.iterdir())  # "... is not recorded"
    readme = (fixture / "README.md").read_text("utf-8")
    assert "pages/www.longchuan.gov.cn/xw/zwdt/index.html" in readme
    assert "govcrawl check gd_longchuan" in readme
    spider = load_module(made.module).GdLongchuanSpider
    assert spider.platform == "gd-jyh" and list(spider.channels) == ["政务动态"]


def test_new_refuses_to_overwrite_anything(tmp_path):
    new_portal("gd_longchuan", "http://www.longchuan.gov.cn/", region_code="441622", root=tmp_path)
    module = tmp_path / "govcrawl" / "spiders" / "gd_longchuan.py"
    module.write_text("# edited by hand\n")
    with pytest.raises(FileExistsError, match="not overwriting"):
        new_portal("gd_longchuan", "http://www.longchuan.gov.cn/", region_code="441622",
                   root=tmp_path)
    assert module.read_text() == "# edited by hand\n"


@pytest.mark.parametrize(("args", "message"), [
    (["GD_zijin2", "--url", URL, "--region", "532625"], "<province>_<county>"),
    (["yn_x", "--url", "www.county-example.gov.cn/list.html", "--region", "532625"], "http(s)"),
    (["yn_x", "--url", URL, "--region", "5326"], "6 digits"),
    (["yn_x", "--url", URL, "--region", "532699"], "not in the NBS division table"),
    (["yn_x", "--url", URL, "--region", "532625", "--platform", "wordpress"], "must be one of"),
])
def test_new_refuses_bad_input_with_one_clear_error(tmp_path, capsys, args, message):
    assert main(["new", *args, "--root", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and message in error
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_cli_new_lists_what_it_wrote(tmp_path, capsys):
    assert main(["new", "yn_maguanx", "--url", URL, "--region", "532625",
                 "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "platform yn-pc" in out and "yn_maguanx.py" in out and "expected.jsonl" in out
