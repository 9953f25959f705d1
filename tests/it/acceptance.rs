//! The shared acceptance set: a year of exports ingested in one batch must give the expected
//! summary.json figures as of 2020-06 and 2020-12, checked with the set's own compare.py.

use std::path::PathBuf;
use std::process::Command;

use super::{luyu, repo, stderr, stdout};

fn acceptance_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("LUYU_ACCEPTANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/acceptance"));
    dir.join("compare.py").exists().then_some(dir)
}

#[test]
fn acceptance_set_compares_clean() {
    let Some(dir) = acceptance_dir() else {
        eprintln!("SKIPPED: ../shared/acceptance not found (set LUYU_ACCEPTANCE to its folder to run this test)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let wh = wh.to_str().unwrap();
    let o = luyu(&[
        "ingest",
        dir.join("exports").to_str().unwrap(),
        "--warehouse",
        wh,
    ]);
    assert!(
        o.status.success(),
        "ingest failed:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
    for month in ["2020-06", "2020-12"] {
        let out = tmp.path().join(format!("summary-{month}.json"));
        let o = luyu(&[
            "summary",
            "--as-of",
            month,
            "--warehouse",
            wh,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "summary failed: {}", stderr(&o));
        let expected = dir.join(format!("expected/summary-{month}.json"));
        let cmp = Command::new("python3")
            .arg(dir.join("compare.py"))
            .arg(&expected)
            .arg(&out)
            .output()
            .expect("python3 runs compare.py");
        let report = String::from_utf8_lossy(&cmp.stdout);
        let diffs: Vec<&str> = report.lines().filter(|l| !l.starts_with("ok ")).collect();
        assert!(cmp.status.success(), "{month}:\n{}", diffs.join("\n"));
    }
}
