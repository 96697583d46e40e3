"""Benchmark: the fund statement's entry list stays linear.

Renders a statement of N entries with the app's renderer and, in the same run, draws the
same entry lines with plain ReportLab canvas calls (the floor any renderer must pay),
then prints the ratio. Then renders 100,000 entries in a child process and prints its
time and peak memory (ru_maxrss of the child). PDFs go to ``bench/out/`` (git-ignored).

    .venv/bin/python bench/fund_statement.py            # 10,000 and 100,000 entries
    .venv/bin/python bench/fund_statement.py --entries 20000 --large 0

Targets (issue 5): ratio at most 3 at 10,000 entries; 100,000 entries linear (time per
entry close to the 10,000 run's) with peak memory under 300 MB.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))


def make_app():
    from charity import create_app

    tmp = tempfile.mkdtemp(prefix="charity-bench-")
    os.environ["CHARITY_INSTANCE_PATH"] = tmp
    return create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench"})


def make_statement(n):
    """A statement with ``n`` entries, as :func:`build_statement` returns it."""
    from charity.fund.statement import Statement

    memos = ["捐赠收入 JZ2026-%04d：东湖街道爱心商家联盟", "义卖收入：旧物升级工坊春季义卖 第%d场",
             "慈善微创投资助：小暖芽亲子志愿者服务队 第%d期", "空巢老人入户探访慰问品 %d"]
    accounts = ["捐赠收入", "商品销售收入（义卖）", "慈善微创投资助", "活动成本"]
    entries, running, start = [], 1_000_000, date(2026, 1, 1)
    for i in range(n):
        kind = i % 4
        amount = 1_000 + (i * 7919) % 90_000
        cash_in, cash_out = (amount, 0) if kind < 2 else (0, min(amount, running))
        running += cash_in - cash_out
        entries.append((start + timedelta(days=i * 365 // max(n, 1)), i + 2, memos[kind] % (i % 10000),
                        accounts[kind], cash_in, cash_out, running))
    total_in = sum(e[4] for e in entries)
    total_out = sum(e[5] for e in entries)
    return Statement(
        community_name="东怡社区", date_from=start, date_to=date(2026, 12, 31),
        generated_at=datetime(2026, 12, 31, 8, tzinfo=timezone.utc), generated_by="bench",
        opening_fen=1_000_000, closing_fen=running,
        income=[("4101", "捐赠收入", total_in, 0), ("4201", "政府补助收入", 0, 0),
                ("4301", "商品销售收入", 0, 0), ("4401", "投资收益", 0, 0), ("4901", "其他收入", 0, 0)],
        expenses=[("510101", "慈善微创投资助", total_out), ("510102", "活动成本", 0),
                  ("5201", "管理费用", 0), ("5301", "筹资费用", 0), ("5401", "其他费用", 0)],
        by_project=[("", total_out)], other_fen=0, released_fen=0, subfunds=[],
        entries=entries, chain_seq=n + 1, chain_hash="a" * 64, head_seq=n + 1, head_hash="a" * 64)


def plain_canvas(data, path):
    """The same entry lines drawn with bare canvas calls: the floor."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from charity.fund.pdf import ENTRY_ALIGNS, ENTRY_WIDTHS, entry_cell, entry_header
    from charity.reports import font_name

    font = font_name()
    canvas = Canvas(str(path), pagesize=A4, initialFontName=font)
    top, bottom, left, row = A4[1] - 20 * mm, 18 * mm, 18 * mm, 11
    header = entry_header()

    def draw(values, y):
        x = left
        for text, width, align in zip(values, ENTRY_WIDTHS, ENTRY_ALIGNS, strict=True):
            if align == "R":
                canvas.drawRightString(x + width - 2, y, str(text))
            else:
                canvas.drawString(x + 2, y, str(text))
            x += width

    y = top
    canvas.setFont(font, 7.5)
    draw(header, y)
    for entry in data.entries:
        values = entry_cell(entry)
        y -= row
        if y < bottom:
            canvas.showPage()
            canvas.setFont(font, 7.5)
            y = top
            draw(header, y)
            y -= row
        draw(values, y)
    canvas.save()


def measure(n, write=True):
    from charity.fund.pdf import render_statement

    app = make_app()
    data = make_statement(n)
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        render_statement(make_statement(50))  # warm up: font loading, imports
        t0 = time.perf_counter()
        pdf = render_statement(data)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        plain_canvas(data, OUT / f"plain-{n}.pdf")
        plain = time.perf_counter() - t0
    if write:
        (OUT / f"statement-{n}.pdf").write_bytes(pdf)
    return ours, plain, len(pdf)


def child(n):
    """Render ``n`` entries and print seconds and peak RSS (MB) for the parent."""
    from charity.fund.pdf import render_statement

    app = make_app()
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        data = make_statement(n)
        t0 = time.perf_counter()
        pdf = render_statement(data)
        seconds = time.perf_counter() - t0
    (OUT / f"statement-{n}.pdf").write_bytes(pdf)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {peak_mb:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000, help="0 skips the large run")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.child:
        child(args.child)
        return 0
    ours, plain, size = measure(args.entries)
    ratio = ours / plain
    print(f"{args.entries:>7} entries: statement {ours:.2f} s, plain canvas {plain:.2f} s, "
          f"ratio {ratio:.2f} (target <= 3), {size / 1e6:.1f} MB PDF")
    ok = ratio <= 3
    if args.large:
        result = subprocess.run([sys.executable, __file__, "--child", str(args.large)],
                                capture_output=True, text=True, check=True)
        seconds, peak = (float(v) for v in result.stdout.split()[-2:])
        per_small = ours / args.entries * 1000
        per_large = seconds / args.large * 1000
        print(f"{args.large:>7} entries: statement {seconds:.2f} s ({per_large:.2f} s per 1,000 entries "
              f"against {per_small:.2f} at {args.entries:,}), peak memory {peak:.0f} MB (target < 300)")
        ok = ok and peak < 300 and per_large <= 1.5 * per_small
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
