"""related.py's words: jieba's words, without jieba writing anything outside the folder named."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jieba

TEXT = "研究部署全市安全生产大检查和城市更新项目资金保障，听取2026年第三季度经济运行情况汇报"


def test_tokenising_writes_no_jieba_cache_and_gives_jieba_s_words(tmp_path):
    # A fresh process (this one's jieba may be initialised already), its temp folder pointed at
    # tmp_path (TMPDIR is what tempfile.gettempdir(), and so jieba, reads): left to itself,
    # jieba's first cut writes jieba.cache there.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    code = (
        "import json, tempfile, sys\n"
        f"assert tempfile.gettempdir() == {str(scratch)!r}\n"
        "import jieba\nfrom scheduler.related import words\n"
        f"print(json.dumps([words({TEXT!r}), jieba.lcut({TEXT!r})], ensure_ascii=False))\n"
    )
    env = {**os.environ, "TMPDIR": str(scratch)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    ours, cut = json.loads(out.stdout)
    assert not list(scratch.glob("jieba*.cache")) and not list(scratch.iterdir())

    # The same words as jieba initialised its own way (its cache written under another tmp_path).
    reference = jieba.Tokenizer()
    reference.tmp_dir = str(tmp_path / "reference")
    os.mkdir(reference.tmp_dir)
    assert cut == reference.lcut(TEXT)
    assert ours == [w for w in cut if len(w) >= 2 and w not in ("全市", "2026")]  # matter words: no stop words, no numbers
    assert "城市更新" in ours and "经济运行" in ours
