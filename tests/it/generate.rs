//! The generator: reproducible, and its files carry the quirks of exports.md.

use super::{json, luyu, stderr, stdout};

fn gen(dir: &std::path::Path, seed: &str) {
    let o = luyu(&[
        "gen",
        "--persons",
        "80",
        "--seed",
        seed,
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn the_same_seed_gives_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    gen(&a, "7");
    gen(&b, "7");
    let mut names: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(names.len() >= 80, "{} files", names.len());
    for name in names
        .iter()
        .filter(|n| n.to_string_lossy().ends_with(".csv"))
    {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name:?}"
        );
    }
}

#[test]
fn generated_exports_have_the_quirks_and_ingest_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("x");
    gen(&dir, "2020");
    let files: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(files.iter().any(|f| f.starts_with(b"PK")), "an xlsx");
    assert!(
        files.iter().any(|f| f.starts_with(b"\xEF\xBB\xBF")),
        "a BOM csv"
    );
    assert!(
        files
            .iter()
            .any(|f| !f.starts_with(b"PK") && std::str::from_utf8(f).is_err()),
        "a GB18030 csv"
    );
    let wh = tmp.path().join("wh");
    let wh = wh.to_str().unwrap();
    let o = luyu(&["ingest", dir.to_str().unwrap(), "--warehouse", wh]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("已被同批更正版"),
        "a corrected re-export: {}",
        stdout(&o)
    );
    let s = json(&["summary", "--as-of", "2020-12", "--warehouse", wh]);
    let rules = &s["findings"]["by_rule"];
    for rule in [
        "invalid_id",
        "duplicate_voucher",
        "voucher_conflict",
        "unknown_item",
        "wrong_pool",
        "out_of_period",
        "invalid_credit_code",
    ] {
        assert!(rules[rule].as_i64().unwrap() >= 1, "{rule}: {rules}");
    }
    assert!(s["data_quality"]["rows_rejected"].as_i64().unwrap() >= 3);
}
