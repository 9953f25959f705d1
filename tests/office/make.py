#!/usr/bin/env python3
"""Makes the office-file fixtures of tests/office/ from data-samples/, with the tools offices use.

    python3 tests/office/make.py        # needs soffice (Debian: libreoffice-calc-nogui),
                                        # openpyxl, pandas and xlsxwriter (PyPI)

The files it writes are committed, so `make test` needs none of these tools; run it again only
to change the fixtures. What it writes:

- roundtrip/<tool>/: every file of data-samples/ as an office re-saves it:
  - calc-xlsx: opened in LibreOffice Calc (CSV imported with every column as Text) and saved
    as xlsx; calc-xls and calc-ods: the same saved as Excel 97 (BIFF8) and ODF;
  - openpyxl: calc-xlsx loaded and saved again by openpyxl.
- cases/: one file per case of tests/office/cases.tsv (the hidden sheets, row numbers,
  amounts, ... of the office-files issue), each made the way an office makes it. The Excel
  rows of planted bad values are read back from Calc's own conversion of the CSV, so the rows
  the test expects are the rows a spreadsheet shows, not a count of ours.
"""

import csv
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SAMPLES = REPO / "data-samples"
ROUND = HERE / "roundtrip"
CASES = HERE / "cases"

# Calc's CSV import: comma, double quote, UTF-8 (76), from line 1, then every column's type:
# 2 is Text, so IDs, dates and amounts stay exactly as written.
ALL_TEXT = "CSV:44,34,76,1," + "/".join(f"{i}/2" for i in range(1, 41))
# The same with Calc's default column types (what a double-click on a .csv does).
DEFAULTS = "CSV:44,34,76,1"


def soffice(args, outdir):
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless"]
            + args
            + ["--outdir", str(outdir)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def text_of(path):
    b = path.read_bytes()
    try:
        return b.decode("utf-8-sig")
    except UnicodeDecodeError:
        return b.decode("gb18030")


def rows_of(path):
    return list(csv.reader(io.StringIO(text_of(path))))


def roundtrip():
    shutil.rmtree(ROUND, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain = tmp / "utf8"
        plain.mkdir()
        csvs, books = [], []
        for f in sorted(SAMPLES.iterdir()):
            if f.suffix == ".csv":
                (plain / f.name).write_text(text_of(f), encoding="utf-8")
                csvs.append(str(plain / f.name))
            else:
                books.append(str(f))
        xlsx = ROUND / "calc-xlsx"
        soffice([f"--infilter={ALL_TEXT}", "--convert-to", "xlsx"] + csvs, xlsx)
        soffice(["--convert-to", "xlsx"] + books, xlsx)
        made = sorted(str(p) for p in xlsx.iterdir())
        soffice(["--convert-to", "xls"] + made, ROUND / "calc-xls")
        soffice(["--convert-to", "ods"] + made, ROUND / "calc-ods")
        out = ROUND / "openpyxl"
        out.mkdir()
        for p in sorted(xlsx.iterdir()):
            openpyxl.load_workbook(p).save(out / p.name)


def calc_rows_of(csv_path, needles):
    """The Excel row of each needle as Calc shows it after importing the CSV."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "in.csv"
        shutil.copy(csv_path, src)
        # Calc reads the file's own bytes: line endings and quoting as they are.
        soffice([f"--infilter={ALL_TEXT}", "--convert-to", "xlsx", str(src)], tmp / "out")
        ws = openpyxl.load_workbook(tmp / "out" / "in.xlsx").active
        found = {}
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value in needles:
                    found[c.value] = c.row
        return [found[n] for n in needles]


def id_with_check(body):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(d) * w for d, w in zip(body, weights))
    return body + "10X98765432"[s % 11]


def write_book(path, sheets, hidden=(), merges=None, setup=None):
    """sheets: [(name, rows)]; hidden: names of hidden sheets."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if name in hidden:
            ws.sheet_state = "hidden"
        for m in (merges or {}).get(name, []):
            ws.merge_cells(m)
        if setup:
            setup(name, ws)
    # A workbook opens on a visible sheet.
    wb.active = next(i for i, (n, _) in enumerate(sheets) if n not in hidden)
    wb.save(path)


def date_number(s):
    """20200320 for a date written any way the samples write one (else None)."""
    m = re.fullmatch(r"(\d{4})\D(\d{1,2})\D(\d{1,2})日?", s.strip())
    if m:
        return int(f"{m[1]}{int(m[2]):02}{int(m[3]):02}")
    if re.fullmatch(r"\d{8}", s.strip()):
        return int(s)
    return None


def month_number(s):
    m = re.fullmatch(r"(\d{4})\D(\d{1,2})月?", s.strip())
    return int(f"{m[1]}{int(m[2]):02}") if m else None


def cases():
    shutil.rmtree(CASES, ignore_errors=True)
    CASES.mkdir(parents=True)
    lines = []

    def case(name, replaces, kind, detail):
        lines.append(f"{name}\t{replaces}\t{kind}\t{detail}")

    # 1. Hidden sheets.
    dec = "万州区2020年12月贫困劳动力名册.xlsx"
    nov = rows_of(SAMPLES / "万州区2020年11月贫困劳动力名册.csv")
    dec_rows = [list(r) for r in openpyxl.load_workbook(SAMPLES / dec).active.iter_rows(values_only=True)]
    write_book(CASES / "1-hidden-last-month-first.xlsx", [("11月", nov), ("12月", dec_rows)], hidden={"11月"})
    case("1-hidden-last-month-first.xlsx", dec, "same", "")
    lists = [["是否建档立卡", "性别", "劳动能力"], ["是", "男", "有"], ["否", "女", "弱"], [None, None, "无"]]
    write_book(CASES / "1-hidden-dropdown-lists.xlsx", [("下拉选项", lists), ("名册", dec_rows)], hidden={"下拉选项"})
    case("1-hidden-dropdown-lists.xlsx", dec, "same", "")
    write_book(
        CASES / "1-only-table-hidden.xlsx",
        [("说明", [["本表请勿修改"]]), ("12月", dec_rows)],
        hidden={"12月"},
    )
    case("1-only-table-hidden.xlsx", "-", "fail", "表格只在隐藏的工作表“12月”中")

    # 2. Row numbers: a small help ledger with two bad IDs, as Excel and others write it.
    bad1 = id_with_check("50010119800101001")[:-1] + "0"  # wrong check digit
    if bad1 == id_with_check("50010119800101001"):
        bad1 = bad1[:-1] + "1"
    bad2 = "50010119800101002"  # 17 characters
    head = [
        ["万州区2020年6月贫困劳动力就业帮扶台账"],
        ["填报单位：万州区就业和人才服务局（盖章）", "", "", "填报日期：2020年7月7日"],
        ["序号", "所属月份", "身份证号", "姓名", "帮扶类型", "帮扶方式", "单位名称", "开始日期", "结束日期"],
    ]

    def help_row(i, pid, employer="重庆明辉家政服务有限公司"):
        return [str(i), "2020-06", pid, "张明", "就地就近就业", "企业吸纳", employer, "2020-05-26", ""]

    good = [id_with_check(f"500101199001010{n:02}") for n in range(10, 20)]

    def as_csv(rows, eol, blank_after=(), quoted_break_at=None):
        out = io.StringIO()
        w = csv.writer(out, lineterminator=eol)
        for i, r in enumerate(rows):
            if quoted_break_at == i:
                r = list(r)
                r[6] = "重庆明辉家政\n服务有限公司"
            w.writerow(r)
            if i in blank_after:
                out.write(eol)
        return out.getvalue()

    body = head + [help_row(1, good[0]), help_row(2, bad1), help_row(3, good[1]), help_row(4, good[2]),
                   help_row(5, bad2), help_row(6, good[3])]
    variants = {
        "2-rows-crlf.csv": dict(eol="\r\n"),
        "2-rows-lf-blank-lines.csv": dict(eol="\n", blank_after={1, 3, 5}),
        "2-rows-crlf-quoted-break.csv": dict(eol="\r\n", quoted_break_at=3),
        "2-rows-cr-only.csv": dict(eol="\r"),
    }
    for name, how in variants.items():
        (CASES / name).write_bytes(as_csv(body, **how).encode("utf-8-sig"))
        rows = calc_rows_of(CASES / name, [bad1, bad2])
        case(name, "-", "rows", f"{rows[0]}:身份证号,{rows[1]}:身份证号 read=6")

    # 3. Ambiguous amounts: a payments export with one amount per row.
    pay_head = ["序号", "所属月份", "发放地区", "资金来源", "补贴项目", "对象类型", "对象名称", "对象证件号码",
                "关联身份证号", "金额", "发放日期", "补贴月数", "补贴天数", "凭证号"]
    amounts = ["1500", "1,500.00", "1500元", "￥1500", "１５００", "12,345.00",
               "1500,00", "1,5000", "1,50,0", "15,00.00", "1e3", "1.5e2", "1e-2"]
    pay = [["万州区2020年6月补贴发放明细"], pay_head]
    for i, a in enumerate(amounts, 1):
        pay.append([str(i), "2020-06", "万州", "援助资金", "公益性岗位补贴", "个人", "张明", good[0], "", a,
                    "2020-06-30", "1", "", f"WZ-AMT-{i:03}"])
    (CASES / "3-amounts.csv").write_text(as_csv(pay, "\r\n"), encoding="utf-8-sig")
    needles = [f"WZ-AMT-{i:03}" for i in range(7, len(amounts) + 1)]
    rows = calc_rows_of(CASES / "3-amounts.csv", needles)
    case("3-amounts.csv", "-", "rows", ",".join(f"{r}:金额" for r in rows) + f" read={len(amounts)} reason=金额写法无法确定")

    # 4. A CSV double-clicked in Calc (default column types) and saved as xlsx: the IDs become
    #    numbers.
    reg = "万州区2020年4月贫困劳动力名册.csv"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "名册.csv").write_text(text_of(SAMPLES / reg), encoding="utf-8")
        soffice([f"--infilter={DEFAULTS}", "--convert-to", "xlsx", str(tmp / "名册.csv")], tmp)
        shutil.copy(tmp / "名册.xlsx", CASES / "4-registry-opened-in-calc.xlsx")
    case("4-registry-opened-in-calc.xlsx", "-", "flag", "请把身份证号列设为“文本”后重新导出")

    # 5. Dates and months typed as digits become numbers.
    helpf = "万州区2020年6月就业帮扶台账.csv"
    rows = rows_of(SAMPLES / helpf)
    hi = next(i for i, r in enumerate(rows) if any(c.strip("* ") == "帮扶类型" for c in r))
    names = [c.strip("* ") for c in rows[hi]]
    date_cols = [names.index(c) for c in ("开始日期", "结束日期")]
    month_col = names.index("所属月份")
    out = []
    for i, r in enumerate(rows):
        r = list(r)
        if i > hi:
            for c in date_cols:
                if c < len(r) and date_number(r[c]) is not None:
                    r[c] = date_number(r[c])
            if month_col < len(r) and month_number(r[month_col]) is not None:
                r[month_col] = month_number(r[month_col])
        out.append(r)
    write_book(CASES / "5-help-dates-as-numbers.xlsx", [("Sheet1", out)])
    case("5-help-dates-as-numbers.xlsx", helpf, "same", "")

    # 6. A two-row header with merged group labels (a government template), in xlsx, in ods
    #    (Calc's conversion of it) and as csv.
    title, fill = rows[0], rows[1]
    groups = {"单位名称": "就业情况", "统一社会信用代码": "就业情况", "开始日期": "就业情况", "结束日期": "就业情况",
              "劳动合同": "就业情况", "社保缴纳月数": "就业情况",
              "培训等级": "培训情况", "培训天数": "培训情况", "取得证书": "培训情况"}
    # The group label in its first column only (the rest are under its merge); other labels
    # in the upper row, merged down over the lower one.
    upper, lower, seen = [], [], set()
    for n in names:
        g = groups.get(n)
        upper.append((None if g in seen else g) if g else n)
        lower.append(n if g else None)
        seen.add(g)
    data = rows[hi + 1:]
    two = [title, fill, upper, lower] + data
    merges = [f"A1:{openpyxl.utils.get_column_letter(len(names))}1"]
    for i, n in enumerate(names, 1):
        col = openpyxl.utils.get_column_letter(i)
        if n not in groups:
            merges.append(f"{col}3:{col}4")
    for g in ("就业情况", "培训情况"):
        cols = [i for i, n in enumerate(names, 1) if groups.get(n) == g]
        merges.append(f"{openpyxl.utils.get_column_letter(cols[0])}3:{openpyxl.utils.get_column_letter(cols[-1])}3")

    def centre(_, ws):
        for row in ws.iter_rows(min_row=3, max_row=4):
            for c in row:
                c.alignment = Alignment(horizontal="center", vertical="center")

    write_book(CASES / "6-help-two-row-header.xlsx", [("Sheet1", two)], merges={"Sheet1": merges}, setup=centre)
    case("6-help-two-row-header.xlsx", helpf, "same", "")
    soffice(["--convert-to", "ods", str(CASES / "6-help-two-row-header.xlsx")], CASES)
    case("6-help-two-row-header.ods", helpf, "same", "")
    flat = [[c if c is not None else "" for c in r] for r in two]
    (CASES / "6-help-two-row-header.csv").write_text(as_csv(flat, "\r\n"), encoding="utf-8-sig")
    case("6-help-two-row-header.csv", helpf, "same", "")

    # 7. Other text exports of the same ledger.
    def delimited(rows, d):
        o = io.StringIO()
        csv.writer(o, delimiter=d, lineterminator="\r\n").writerows(rows)
        return o.getvalue()

    text_variants = {
        # Excel's "Unicode 文本 (*.txt)": UTF-16LE with a BOM, tab-separated.
        "7-unicode-text.txt": b"\xff\xfe" + delimited(rows, "\t").encode("utf-16-le"),
        "7-utf16le-no-bom.csv": delimited(rows, ",").encode("utf-16-le"),
        "7-utf16be-bom.txt": b"\xfe\xff" + delimited(rows, "\t").encode("utf-16-be"),
        "7-semicolon.csv": delimited(rows, ";").encode("utf-8-sig"),
        "7-tab-gb18030.csv": delimited(rows, "\t").encode("gb18030"),
    }
    for name, b in text_variants.items():
        (CASES / name).write_bytes(b)
        case(name, helpf, "same", "")
    (CASES / "7-pipe.csv").write_bytes(delimited(rows, "|").encode("utf-8"))
    case("7-pipe.csv", "-", "fail", "无法按逗号、制表符、分号分列")

    # 8. IDs wrapped as ="…" (web systems, so that Excel keeps them as text).
    wrapped = [list(r) for r in rows]
    id_col = names.index("身份证号")
    for r in wrapped[hi + 1:]:
        if id_col < len(r) and r[id_col]:
            r[id_col] = f'="{r[id_col]}"'
    (CASES / "8-ids-formula-wrapped.csv").write_text(as_csv(wrapped, "\r\n"), encoding="utf-8-sig")
    case("8-ids-formula-wrapped.csv", helpf, "same", "")

    # 9. Impossible IDs: a checksum that holds over a 31 September, and a birth after the month.
    sept31 = id_with_check("50010119800931123")
    future = id_with_check("50010120210301123")
    body9 = head + [help_row(1, good[0]), help_row(2, sept31), help_row(3, good[1]), help_row(4, future)]
    (CASES / "9-impossible-ids.csv").write_text(as_csv(body9, "\r\n"), encoding="utf-8-sig")
    rows9 = calc_rows_of(CASES / "9-impossible-ids.csv", [sept31, future])
    case("9-impossible-ids.csv", "-", "rows", f"{rows9[0]}:身份证号,{rows9[1]}:身份证号 read=4 reason=出生日期")

    # Already fine, and to stay fine.
    shutil.copy(ROUND / "calc-xls" / "万州区2020年6月就业帮扶台账.xls", CASES / "ok-wps.et")
    case("ok-wps.et", helpf, "same", "")
    # pandas as a script would use it: every cell as text, title rows kept.
    width = max(len(r) for r in rows)
    df = pd.DataFrame([r + [""] * (width - len(r)) for r in rows])
    df.to_excel(CASES / "ok-pandas-xlsxwriter.xlsx", header=False, index=False, engine="xlsxwriter")
    case("ok-pandas-xlsxwriter.xlsx", helpf, "same", "")

    def freeze(_, ws):
        ws.freeze_panes = f"A{hi + 2}"
        ws.auto_filter.ref = f"A{hi + 1}:{openpyxl.utils.get_column_letter(len(names))}{len(rows)}"

    write_book(CASES / "ok-frozen-autofilter.xlsx", [("Sheet1", rows)], setup=freeze)
    case("ok-frozen-autofilter.xlsx", helpf, "same", "")
    cn_dates = [list(r) for r in rows]
    for r in cn_dates[hi + 1:]:
        for c in date_cols:
            n = date_number(r[c]) if c < len(r) else None
            if n is not None:
                r[c] = dt.datetime.strptime(str(n), "%Y%m%d")

    def cn_format(_, ws):
        for row in ws.iter_rows(min_row=hi + 2):
            for c in row:
                if isinstance(c.value, dt.datetime):
                    c.number_format = 'yyyy"年"m"月"d"日"'

    write_book(CASES / "ok-chinese-date-format.xlsx", [("Sheet1", cn_dates)], setup=cn_format)
    case("ok-chinese-date-format.xlsx", helpf, "same", "")
    apos = [list(r) for r in rows]
    for r in apos[hi + 1:]:
        if id_col < len(r) and r[id_col]:
            r[id_col] = "'" + r[id_col]
    (CASES / "ok-ids-apostrophe.csv").write_text(as_csv(apos, "\r\n"), encoding="utf-8-sig")
    case("ok-ids-apostrophe.csv", helpf, "same", "")

    header = [
        "# Made by tests/office/make.py; read by tests/it/office.rs.",
        "# file\treplaces (a data-samples file, or - to ingest alone)\texpect\tdetail",
        "# same: data-samples with the file in place of `replaces` gives the originals' summary.json",
        "# fail: not taken, with the message; flag: taken, flagged for re-export, with the fix;",
        "# rows: the rejected rows as `Excel row:column` (rows as Calc shows them), rows read, reason",
    ]
    (HERE / "cases.tsv").write_text("\n".join(header + lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if not shutil.which("soffice"):
        sys.exit("soffice not found: apt-get install libreoffice-calc-nogui")
    os.chdir(REPO)
    roundtrip()
    cases()
    print("wrote", ROUND, CASES)
