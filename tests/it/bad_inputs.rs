//! The bad-input corpus (`tests/bad-inputs/`, listed with the message each must get in
//! `expected.tsv`): every file gets its clear message, none panics, and a file that is not
//! taken leaves no export in the warehouse.

use super::{luyu, repo, stderr, stdout};

#[test]
fn every_bad_input_gets_its_message() {
    let dir = repo().join("tests/bad-inputs");
    let list = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut checked = 0;
    for line in list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut parts = line.splitn(3, '\t');
        let (name, outcome, expect) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let tmp = tempfile::tempdir().unwrap();
        let wh = tmp.path().join("wh");
        let wh = wh.to_str().unwrap();
        let o = luyu(&[
            "ingest",
            dir.join(name).to_str().unwrap(),
            "--warehouse",
            wh,
        ]);
        let (out, err) = (stdout(&o), stderr(&o));
        assert!(!err.contains("panicked"), "{name} panicked: {err}");
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join("wh/manifest.json")).unwrap())
                .unwrap();
        let exports = manifest["exports"].as_array().unwrap().len();
        match outcome {
            "fail" => {
                assert_eq!(o.status.code(), Some(1), "{name}: {out}{err}");
                assert!(out.contains(expect), "{name}: wanted “{expect}” in\n{out}");
                assert_eq!(exports, 0, "{name}: a file not taken wrote an export");
            }
            "reject" => {
                assert!(o.status.success(), "{name}: {out}{err}");
                assert!(out.contains("拒收 1 行"), "{name}: {out}");
                let r = stdout(&luyu(&["rejects", "--warehouse", wh]));
                assert!(r.contains(expect), "{name}: wanted “{expect}” in\n{r}");
            }
            _ => {
                assert!(o.status.success(), "{name}: {out}{err}");
                assert!(out.contains(expect), "{name}: wanted “{expect}” in\n{out}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 50, "the corpus has {checked} files");
}

#[test]
fn a_folder_without_exports_and_a_missing_path_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let wh = tmp.path().join("wh");
    let o = luyu(&[
        "ingest",
        empty.to_str().unwrap(),
        tmp.path().join("nowhere").to_str().unwrap(),
        "--warehouse",
        wh.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("文件夹里没有任何文件") && out.contains("路径不存在"),
        "{out}"
    );
}
