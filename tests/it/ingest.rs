//! Ingest end to end: recognition, rejects, idempotency, corrections, bad files, crashes, locks.

use super::{luyu, stderr, stdout, write, REGISTRY_03};

fn ingest(paths: &[&std::path::Path], wh: &std::path::Path) -> std::process::Output {
    let mut args = vec!["ingest".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(["--warehouse".to_string(), wh.display().to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    luyu(&refs)
}

fn manifest(wh: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(wh.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn rejects_name_file_row_column_value_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "名册3月.csv", REGISTRY_03);
    let wh = tmp.path().join("wh");
    let o = ingest(&[&f], &wh);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("贫困劳动力名册 · 万州 · 2020-03 · 读取 3 行，接收 2 行，拒收 1 行"),
        "{out}"
    );
    let o = super::luyu(&["rejects", "--warehouse", wh.to_str().unwrap()]);
    let out = stdout(&o);
    // The bad ID is on Excel row 6: title, 填报日期, header, then data rows 4, 5, 6.
    assert!(out.contains("名册3月.csv\t贫困劳动力名册\t2020-03\t6\t身份证号\t500101198009018598\t身份证号“500101198009018598”校验位错误"), "{out}");
}

#[test]
fn reingesting_a_file_is_a_no_op() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "a.csv", REGISTRY_03);
    let wh = tmp.path().join("wh");
    assert!(ingest(&[&f], &wh).status.success());
    let before = manifest(&wh);
    let o = ingest(&[&f], &wh);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("接收过相同内容的文件，跳过"),
        "{}",
        stdout(&o)
    );
    assert_eq!(manifest(&wh)["exports"], before["exports"]);
}

/// Copies of one content in one batch: the reader threads take files out of order, and the
/// first copy in file order is the one taken (its name in the manifest), whichever reader got
/// to the content first; every other copy is skipped, and the content is archived and written
/// once, byte for byte.
#[test]
fn copies_of_a_file_in_one_batch_are_taken_once_as_the_first_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("batch");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..12 {
        write(&dir, &format!("{i:02}-名册.csv"), REGISTRY_03);
    }
    let wh = tmp.path().join("wh");
    let o = ingest(&[&dir], &wh);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&wh);
    let files = m["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{m}");
    assert_eq!(files[0]["name"], "00-名册.csv");
    assert_eq!(m["exports"].as_array().unwrap().len(), 1, "{m}");
    assert_eq!(
        stdout(&o)
            .matches("本批次中 接收过相同内容的文件，跳过")
            .count(),
        11,
        "{}",
        stdout(&o)
    );
    let raw: Vec<_> = std::fs::read_dir(wh.join("raw")).unwrap().collect();
    assert_eq!(raw.len(), 1);
    let archived = wh.join(files[0]["archived_as"].as_str().unwrap());
    assert_eq!(std::fs::read(archived).unwrap(), REGISTRY_03.as_bytes());
}

#[test]
fn a_corrected_export_replaces_its_month_and_the_old_stays_in_history() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let first = write(tmp.path(), "名册.csv", REGISTRY_03);
    assert!(ingest(&[&first], &wh).status.success());
    let corrected = write(
        tmp.path(),
        "名册（更正）.csv",
        &REGISTRY_03.replace("500101198009018598,李四", "500101199305051046,冯静英"),
    );
    let o = ingest(&[&corrected], &wh);
    assert!(
        stdout(&o).contains("当前版本（更正并取代"),
        "{}",
        stdout(&o)
    );
    let m = manifest(&wh);
    let exports = m["exports"].as_array().unwrap();
    assert_eq!(exports.len(), 2);
    assert!(!exports[0]["replaced_by"].is_null());
    assert!(exports[1]["replaced_by"].is_null());
    assert!(
        wh.join(exports[0]["data"].as_str().unwrap()).exists(),
        "the old export's rows are kept"
    );
    let o = super::luyu(&["history", "--warehouse", wh.to_str().unwrap()]);
    assert!(stdout(&o).contains("已被更正版取代"), "{}", stdout(&o));
}

#[test]
fn within_a_batch_the_later_fill_date_is_the_correction() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let later = write(
        tmp.path(),
        "a.csv",
        &REGISTRY_03
            .replace("2020年4月3日", "2020年4月9日")
            .replace("李四", "李四四"),
    );
    let earlier = write(tmp.path(), "b.csv", REGISTRY_03);
    let o = ingest(&[&later, &earlier], &wh);
    assert!(o.status.success(), "{}", stdout(&o));
    let m = manifest(&wh);
    let current: Vec<_> = m["exports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["replaced_by"].is_null())
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["file_name"], "a.csv");
}

#[test]
fn a_tie_within_a_batch_takes_neither_and_leaves_no_data_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let a = write(tmp.path(), "a.csv", REGISTRY_03);
    let b = write(tmp.path(), "b.csv", &REGISTRY_03.replace("李四", "李四四"));
    // Same 填报日期 and the same modification time: neither can be told the correction.
    let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    for f in [&a, &b] {
        std::fs::File::options()
            .write(true)
            .open(f)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
    let o = ingest(&[&a, &b], &wh);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("无法判断哪个是更正版，都未采用"),
        "{}",
        stdout(&o)
    );
    assert_eq!(manifest(&wh)["exports"].as_array().unwrap().len(), 0);
    // Both files are kept as received; no Parquet file is left that nothing names.
    assert_eq!(std::fs::read_dir(wh.join("raw")).unwrap().count(), 2);
    let mut parquet = Vec::new();
    let mut dirs = vec![wh.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                parquet.push(p);
            }
        }
    }
    assert!(parquet.is_empty(), "{parquet:?}");
    // Either ingested alone is taken.
    let o = ingest(&[&b], &wh);
    assert!(o.status.success(), "{}", stdout(&o));
    assert_eq!(manifest(&wh)["exports"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_files_get_a_clear_error_and_the_good_ones_are_still_ingested() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let good = write(tmp.path(), "good.csv", REGISTRY_03);
    let empty = write(tmp.path(), "empty.csv", "");
    let other = write(tmp.path(), "other.csv", "a,b,c\n1,2,3\n");
    let missing_col = write(
        tmp.path(),
        "missing.csv",
        "序号,所属月份,姓名,是否建档立卡\n1,2020-03,张三,是\n",
    );
    let fake_xlsx = write(tmp.path(), "truncated.xlsx", "PK\u{3}\u{4}garbage");
    let nowhere = tmp.path().join("nowhere.csv");
    let o = ingest(
        &[&good, &empty, &other, &missing_col, &fake_xlsx, &nowhere],
        &wh,
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("文件是空的"), "{out}");
    assert!(out.contains("没有找到可识别的表头"), "{out}");
    assert!(out.contains("缺少必填列：身份证号"), "{out}");
    assert!(out.contains("xlsx 工作簿已损坏或不完整"), "{out}");
    assert!(out.contains("路径不存在"), "{out}");
    assert!(out.contains("导入 1 个文件"), "{out}");
    assert_eq!(manifest(&wh)["exports"].as_array().unwrap().len(), 1);
}

#[test]
fn gb18030_and_bom_csv_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let (gbk, _, _) = encoding_rs::GB18030.encode(REGISTRY_03);
    let g = tmp.path().join("gbk.csv");
    std::fs::write(&g, &gbk).unwrap();
    let o = ingest(&[&g], &wh);
    assert!(stdout(&o).contains("接收 2 行"), "{}", stdout(&o));
    let b = tmp.path().join("bom.csv");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(
        REGISTRY_03
            .replace("2020年3月", "2020年4月")
            .replace("2020-03", "2020-04")
            .as_bytes(),
    );
    std::fs::write(&b, bytes).unwrap();
    let o = ingest(&[&b], &wh);
    assert!(
        stdout(&o).contains("2020-04 · 读取 3 行，接收 2 行"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_crash_before_the_manifest_leaves_the_warehouse_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let f = write(tmp.path(), "a.csv", REGISTRY_03);
    assert!(ingest(&[&f], &wh).status.success());
    let before = std::fs::read(wh.join("manifest.json")).unwrap();
    // What an ingest killed between its writes leaves: a half-written temporary file, an
    // orphan Parquet file the manifest does not name, and the lock of a process that is gone.
    std::fs::write(wh.join(".manifest.json.tmp-99999"), b"{\"half").unwrap();
    std::fs::create_dir_all(wh.join("tables/registry/region=wanzhou/month=2020-04")).unwrap();
    std::fs::write(
        wh.join("tables/registry/region=wanzhou/month=2020-04/orphan.parquet"),
        b"PAR1",
    )
    .unwrap();
    std::fs::write(wh.join(".lock"), "999999999").unwrap();
    assert_eq!(std::fs::read(wh.join("manifest.json")).unwrap(), before);
    let o = super::luyu(&[
        "summary",
        "--as-of",
        "2020-03",
        "--warehouse",
        wh.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The lock file a killed ingest left is no lock: the next ingest completes.
    let g = write(
        tmp.path(),
        "b.csv",
        &REGISTRY_03
            .replace("2020年3月", "2020年4月")
            .replace("2020-03", "2020-04"),
    );
    let o = ingest(&[&g], &wh);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(manifest(&wh)["exports"].as_array().unwrap().len(), 2);
}

#[test]
fn a_second_ingest_refuses_while_one_holds_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    std::fs::create_dir_all(&wh).unwrap();
    // This test process holds the lock, as a running ingest would.
    std::fs::write(wh.join(".lock"), std::process::id().to_string()).unwrap();
    let held = std::fs::File::open(wh.join(".lock")).unwrap();
    // SAFETY: flock on a descriptor `held` owns.
    let rc = unsafe {
        libc::flock(
            std::os::fd::AsRawFd::as_raw_fd(&held),
            libc::LOCK_EX | libc::LOCK_NB,
        )
    };
    assert_eq!(rc, 0);
    let f = write(tmp.path(), "a.csv", REGISTRY_03);
    let o = ingest(&[&f], &wh);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("另一个 luyu 导入正在写入仓库"),
        "{}",
        stderr(&o)
    );
    assert!(!wh.join("manifest.json").exists());
    drop(held);
    // Released (as when its process ends): the next ingest goes ahead.
    assert!(ingest(&[&f], &wh).status.success());
}
