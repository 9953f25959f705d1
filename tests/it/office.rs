//! Files as offices really make them (`tests/office/`, made by `tests/office/make.py` with
//! LibreOffice Calc, openpyxl and pandas/xlsxwriter): every re-saved copy of `data-samples/`
//! gives exactly the originals' summary.json, and each case of `tests/office/cases.tsv` gets its
//! figures, its message or its rejected rows.

use std::path::{Path, PathBuf};

use super::{luyu, repo, stderr, stdout};

const MONTHS: [&str; 2] = ["2020-06", "2020-12"];

/// Ingests `dir` into a fresh warehouse under `tmp`; returns the ingest output, its exit code
/// and the warehouse.
fn ingest(tmp: &Path, paths: &[&Path]) -> (String, Option<i32>, PathBuf) {
    let wh = tmp.join("wh");
    let mut args: Vec<&str> = vec!["ingest"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--warehouse", wh.to_str().unwrap()]);
    let o = luyu(&args);
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    (stdout(&o), o.status.code(), wh)
}

/// summary.json as of each of [`MONTHS`], as bytes.
fn summaries(wh: &Path) -> Vec<Vec<u8>> {
    MONTHS
        .iter()
        .map(|m| {
            let out = wh.join(format!("summary-{m}.json"));
            let o = luyu(&[
                "summary",
                "--as-of",
                m,
                "--warehouse",
                wh.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "summary: {}", stderr(&o));
            std::fs::read(out).unwrap()
        })
        .collect()
}

fn originals() -> Vec<Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    let (out, code, wh) = ingest(tmp.path(), &[&repo().join("data-samples")]);
    assert_eq!(code, Some(0), "{out}");
    summaries(&wh)
}

fn same(got: &[Vec<u8>], want: &[Vec<u8>], what: &str) {
    for ((g, w), m) in got.iter().zip(want).zip(MONTHS) {
        assert!(
            g == w,
            "{what}: summary.json as of {m} differs from the originals'\n--- got\n{}\n--- want\n{}",
            String::from_utf8_lossy(g),
            String::from_utf8_lossy(w)
        );
    }
}

#[test]
fn every_file_resaved_by_calc_or_openpyxl_gives_the_originals_figures() {
    let want = originals();
    let sets = ["calc-xlsx", "calc-xls", "calc-ods", "openpyxl"];
    for set in sets {
        let dir = repo().join("tests/office/roundtrip").join(set);
        let files = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(files, 85, "{set}: every sample file, converted");
        let tmp = tempfile::tempdir().unwrap();
        let (out, code, wh) = ingest(tmp.path(), &[&dir]);
        assert_eq!(code, Some(0), "{set}:\n{out}");
        same(&summaries(&wh), &want, set);
    }
}

/// The sample files with `fixture` in place of `replaces`, linked into a folder of `tmp`.
fn samples_with(tmp: &Path, fixture: &Path, replaces: &str) -> PathBuf {
    let dir = tmp.join("files");
    std::fs::create_dir_all(&dir).unwrap();
    let samples = repo().join("data-samples");
    let mut replaced = false;
    for e in std::fs::read_dir(&samples).unwrap() {
        let name = e.unwrap().file_name();
        if name.to_str() == Some(replaces) {
            replaced = true;
            continue;
        }
        std::fs::copy(samples.join(&name), dir.join(&name)).unwrap();
    }
    assert!(replaced, "{replaces} is not a sample file");
    std::fs::copy(fixture, dir.join(fixture.file_name().unwrap())).unwrap();
    dir
}

/// `luyu rejects` as (row, column, reason) for one warehouse.
fn rejects(wh: &Path) -> Vec<(usize, String, String)> {
    let o = luyu(&["rejects", "--all", "--warehouse", wh.to_str().unwrap()]);
    stdout(&o)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() >= 7).then(|| (f[3].parse().unwrap(), f[4].to_string(), f[6].to_string()))
        })
        .collect()
}

/// `读取 N 行，接收 A 行，拒收 R 行` of an ingest output, summed over its files.
fn counts(out: &str) -> (usize, usize, usize) {
    let n = |after: &str, line: &str| -> usize {
        let rest = &line[line.find(after).unwrap() + after.len()..];
        rest.trim_start()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    out.lines()
        .filter(|l| l.contains("读取 ") && l.contains("接收 "))
        .filter(|l| !l.starts_with("合计"))
        .fold((0, 0, 0), |(r, a, j), l| {
            (r + n("读取", l), a + n("接收", l), j + n("拒收", l))
        })
}

#[test]
fn each_office_case_gets_its_figures_message_or_rows() {
    let want = originals();
    let dir = repo().join("tests/office");
    let list = std::fs::read_to_string(dir.join("cases.tsv")).unwrap();
    let mut checked = 0;
    for line in list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        let (name, replaces, kind, detail) = (f[0], f[1], f[2], f.get(3).copied().unwrap_or(""));
        let fixture = dir.join("cases").join(name);
        let tmp = tempfile::tempdir().unwrap();
        match kind {
            "same" => {
                let files = samples_with(tmp.path(), &fixture, replaces);
                let (out, code, wh) = ingest(tmp.path(), &[&files]);
                assert_eq!(code, Some(0), "{name}:\n{out}");
                same(&summaries(&wh), &want, name);
            }
            "fail" => {
                let (out, code, _) = ingest(tmp.path(), &[&fixture]);
                assert_eq!(code, Some(1), "{name}:\n{out}");
                assert!(out.contains(detail), "{name}: wanted “{detail}” in\n{out}");
            }
            "flag" => {
                let (out, code, wh) = ingest(tmp.path(), &[&fixture]);
                assert_eq!(code, Some(1), "{name}:\n{out}");
                assert!(
                    out.contains("⚠") && out.contains("需重新导出"),
                    "{name}:\n{out}"
                );
                assert!(out.contains(detail), "{name}: wanted “{detail}” in\n{out}");
                let (read, accepted, rejected) = counts(&out);
                assert!(accepted > 0, "{name}: the good rows are still taken\n{out}");
                assert_eq!(read, accepted + rejected, "{name}:\n{out}");
                assert!(rejected * 4 > read, "{name}:\n{out}");
                let o = luyu(&["history", "--warehouse", wh.to_str().unwrap()]);
                assert!(stdout(&o).contains("需重新导出"), "{name}: {}", stdout(&o));
            }
            "rows" => {
                let (out, code, wh) = ingest(tmp.path(), &[&fixture]);
                let mut parts = detail.split(' ');
                let mut expected: Vec<(usize, String)> = parts
                    .next()
                    .unwrap()
                    .split(',')
                    .map(|rc| {
                        let (r, c) = rc.split_once(':').unwrap();
                        (r.parse().unwrap(), c.to_string())
                    })
                    .collect();
                let mut got: Vec<(usize, String)> = rejects(&wh)
                    .into_iter()
                    .map(|(r, c, why)| {
                        for p in detail.split(' ') {
                            if let Some(reason) = p.strip_prefix("reason=") {
                                assert!(why.contains(reason), "{name}: row {r}: {why}");
                            }
                        }
                        (r, c)
                    })
                    .collect();
                expected.sort();
                got.sort();
                assert_eq!(got, expected, "{name}: the rows Excel shows\n{out}");
                let (read, accepted, rejected) = counts(&out);
                for p in parts {
                    if let Some(n) = p.strip_prefix("read=") {
                        assert_eq!(read, n.parse::<usize>().unwrap(), "{name}:\n{out}");
                    }
                }
                assert_eq!(read, accepted + rejected, "{name}: counts add up\n{out}");
                // More than a quarter of the rows, and at least three, flags a file.
                let flagged = rejected * 4 > read && rejected >= 3;
                assert_eq!(code, Some(i32::from(flagged)), "{name}:\n{out}");
                assert_eq!(out.contains("需重新导出"), flagged, "{name}:\n{out}");
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
        checked += 1;
    }
    assert!(checked >= 25, "cases.tsv has {checked} cases");
}
